<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
<context>
    <name>BoardPage</name>
    <message>
        <location filename="../../rubikpi_studio/ui/pages/board.py" line="+79" />
        <source>Connect to a board</source>
        <translation>连接开发板</translation>
    </message>
    <message>
        <location line="+4" />
        <source>e.g. 192.168.1.253 or ubuntu.local</source>
        <translation>例如 192.168.1.253 或 ubuntu.local</translation>
    </message>
    <message>
        <location line="+9" />
        <source>a new board uses ubuntu</source>
        <translation>新开发板的密码是 ubuntu</translation>
    </message>
    <message>
        <location line="+4" />
        <source>optional: a private key file</source>
        <translation>可选：私钥文件</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Remember the password in the system keyring</source>
        <translation>在系统密钥环中记住密码</translation>
    </message>
    <message>
        <location line="+11" />
        <source>No system keyring is available, so the app will ask for the password each time.</source>
        <translation>没有可用的系统密钥环，因此每次连接都会询问密码。</translation>
    </message>
    <message>
        <location line="+10" />
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Port</source>
        <translation>端口</translation>
    </message>
    <message>
        <location line="+1" />
        <source>User</source>
        <translation>用户名</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Key file</source>
        <translation>密钥文件</translation>
    </message>
    <message>
        <location line="+5" />
        <source>Connect</source>
        <translation>连接</translation>
    </message>
    <message>
        <location line="+2" />
        <location line="+336" />
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location line="-321" />
        <source>Choose a private key</source>
        <translation>选择私钥</translation>
    </message>
    <message>
        <location line="+7" />
        <source>Enter the board's address.</source>
        <translation>请输入开发板的地址。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Enter the user name.</source>
        <translation>请输入用户名。</translation>
    </message>
    <message>
        <location line="+102" />
        <source>Your board</source>
        <translation>你的开发板</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Connect…</source>
        <translation>连接…</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Edit…</source>
        <translation>编辑…</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Disconnect</source>
        <translation>断开连接</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Sign in with a key from now on</source>
        <translation>今后使用密钥登录</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Create a key pair on this computer, install it on the board and stop using the password.</source>
        <translation>在本机生成密钥对，安装到开发板上，今后不再使用密码。</translation>
    </message>
    <message>
        <location line="+5" />
        <source>Forget the board's host key</source>
        <translation>忘记开发板的主机密钥</translation>
    </message>
    <message>
        <location line="+1" />
        <source>What the board has</source>
        <translation>开发板信息</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Log</source>
        <translation>日志</translation>
    </message>
    <message>
        <location line="+9" />
        <source>Connected to {name} as {user}.</source>
        <translation>已以 {user} 身份连接到 {name}。</translation>
    </message>
    <message>
        <location line="+6" />
        <source>No board yet. Choose Connect… and enter the board's address.</source>
        <translation>还没有开发板。请点击“连接…”并输入开发板的地址。</translation>
    </message>
    <message>
        <location line="+5" />
        <source>Not connected.</source>
        <translation>未连接。</translation>
    </message>
    <message>
        <location line="+73" />
        <source>Connecting to {target}…</source>
        <translation>正在连接 {target}…</translation>
    </message>
    <message>
        <location line="+15" />
        <source>The host key was not accepted; not connected.</source>
        <translation>未接受主机密钥，未连接。</translation>
    </message>
    <message>
        <location line="+10" />
        <source>Passphrase for the key {key}:</source>
        <translation>密钥 {key} 的口令：</translation>
    </message>
    <message>
        <location line="+18" />
        <source>The password was changed on the board.</source>
        <translation>已在开发板上修改密码。</translation>
    </message>
    <message>
        <location line="+19" />
        <source>The password was not saved: {why}</source>
        <translation>密码未保存：{why}</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Connected. Reading the board's facts…</source>
        <translation>已连接。正在读取开发板信息…</translation>
    </message>
    <message>
        <location line="+13" />
        <source>Board facts read.</source>
        <translation>已读取开发板信息。</translation>
    </message>
    <message>
        <location line="+6" />
        <source>Is this your board?</source>
        <translation>这是你的开发板吗？</translation>
    </message>
    <message>
        <location line="+2" />
        <source>This is the first connection to {target}. Its identity (host key fingerprint) is:</source>
        <translation>这是第一次连接 {target}。它的身份（主机密钥指纹）是：</translation>
    </message>
    <message>
        <location line="+5" />
        <source>The app remembers it and will refuse to connect if it ever changes. To be sure, compare it with what `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` prints on the board.</source>
        <translation>应用会记住它；如果它发生变化，应用将拒绝连接。如需确认，请与在开发板上运行 `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` 的输出进行比较。</translation>
    </message>
    <message>
        <location line="+7" />
        <source>Trust this board</source>
        <translation>信任此开发板</translation>
    </message>
    <message>
        <location line="+25" />
        <source>The board asks {user} to choose a new password before first use. New password:</source>
        <translation>开发板要求 {user} 在首次使用前设置新密码。新密码：</translation>
    </message>
    <message>
        <location line="+6" />
        <source>Repeat the new password:</source>
        <translation>再次输入新密码：</translation>
    </message>
    <message>
        <location line="+15" />
        <source>Disconnected.</source>
        <translation>已断开连接。</translation>
    </message>
    <message>
        <location line="+20" />
        <source>From now on the app signs in with the key {path}.</source>
        <translation>今后应用将使用密钥 {path} 登录。</translation>
    </message>
    <message>
        <location line="+13" />
        <source>The pinned host key of {target} was forgotten.</source>
        <translation>已忘记 {target} 的主机密钥。</translation>
    </message>
    <message>
        <location line="+11" />
        <source>Adreno (KGSL driver)</source>
        <translation>Adreno（KGSL 驱动）</translation>
    </message>
    <message>
        <location line="+2" />
        <source>no Adreno GPU driver (KGSL) found</source>
        <translation>未找到 Adreno GPU 驱动（KGSL）</translation>
    </message>
    <message>
        <location line="+2" />
        <source>yes ({lib})</source>
        <translation>有（{lib}）</translation>
    </message>
    <message>
        <location line="+2" />
        <source>library only ({lib}), no Adreno GPU</source>
        <translation>只有库文件（{lib}），没有 Adreno GPU</translation>
    </message>
    <message>
        <location line="+4" />
        <source>no</source>
        <translation>无</translation>
    </message>
    <message>
        <location line="+2" />
        <source>works without a password</source>
        <translation>无需密码</translation>
    </message>
    <message>
        <location line="+1" />
        <source>asks for the account's password</source>
        <translation>需要输入账户密码</translation>
    </message>
    <message>
        <location line="+1" />
        <source>not available</source>
        <translation>不可用</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Board</source>
        <translation>开发板</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Operating system</source>
        <translation>操作系统</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Architecture</source>
        <translation>架构</translation>
    </message>
    <message>
        <location line="+1" />
        <source>CPU cores</source>
        <translation>CPU 核心数</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Memory</source>
        <translation>内存</translation>
    </message>
    <message>
        <location line="+1" />
        <source>{total:.1f} GiB ({free:.1f} GiB free)</source>
        <translation>{total:.1f} GiB（可用 {free:.1f} GiB）</translation>
    </message>
    <message>
        <location line="+5" />
        <source>Free disk in home</source>
        <translation>主目录可用磁盘空间</translation>
    </message>
    <message>
        <location line="+1" />
        <source>{free:.1f} GiB</source>
        <translation>{free:.1f} GiB</translation>
    </message>
    <message>
        <location line="+4" />
        <source>GPU</source>
        <translation>GPU</translation>
    </message>
    <message>
        <location line="+1" />
        <source>OpenCL</source>
        <translation>OpenCL</translation>
    </message>
    <message>
        <location line="+2" />
        <source>llama.cpp</source>
        <translation>llama.cpp</translation>
    </message>
    <message>
        <location line="+3" />
        <source>not installed</source>
        <translation>未安装</translation>
    </message>
    <message>
        <location line="+2" />
        <source>sudo</source>
        <translation>sudo</translation>
    </message>
    <message>
        <location line="+11" />
        <source>The Adreno GPU and its OpenCL driver are present: llama.cpp can use the GPU.</source>
        <translation>已找到 Adreno GPU 及其 OpenCL 驱动：llama.cpp 可以使用 GPU。</translation>
    </message>
    <message>
        <location line="+7" />
        <source>No Adreno OpenCL driver was found, so llama.cpp would run on the CPU. On Ubuntu Desktop the open Freedreno driver has no OpenCL; the Setup page explains the switch to the server image's qcom-adreno1 driver.</source>
        <translation>未找到 Adreno OpenCL 驱动，llama.cpp 将在 CPU 上运行。Ubuntu 桌面版使用开源的 Freedreno 驱动，不支持 OpenCL；“安装”页面会说明如何切换到服务器版镜像的 qcom-adreno1 驱动。</translation>
    </message>
</context>
<context>
    <name>ExceptionHook</name>
    <message>
        <location filename="../../rubikpi_studio/ui/app.py" line="+156" />
        <source>Something unexpected went wrong. The app can keep running.</source>
        <translation>发生了意外错误。应用可以继续运行。</translation>
    </message>
    <message>
        <location line="+5" />
        <source>The details are in the log file. Please include them if you report this.</source>
        <translation>详细信息已写入日志文件。报告问题时请附上这些信息。</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../rubikpi_studio/ui/mainwindow.py" line="+56" />
        <source>Not connected</source>
        <translation>未连接</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Connecting…</source>
        <translation>正在连接…</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Connected</source>
        <translation>已连接</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Connection failed</source>
        <translation>连接失败</translation>
    </message>
    <message>
        <location line="+6" />
        <source>Server: unknown</source>
        <translation>服务器：状态未知</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Server: stopped</source>
        <translation>服务器：已停止</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Server: starting…</source>
        <translation>服务器：正在启动…</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Server: running</source>
        <translation>服务器：运行中</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Server: failed</source>
        <translation>服务器：出错</translation>
    </message>
    <message>
        <location line="+157" />
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location line="+1" />
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location line="+1" />
        <source>&amp;Go</source>
        <translation>转到(&amp;G)</translation>
    </message>
    <message>
        <location line="+1" />
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location line="+1" />
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Follow the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <location line="+3" />
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location line="+1" />
        <source>&amp;About RUBIK Pi Studio</source>
        <translation>关于 RUBIK Pi Studio(&amp;A)</translation>
    </message>
    <message>
        <location line="+1" />
        <source>About &amp;Qt</source>
        <translation>关于 Qt(&amp;Q)</translation>
    </message>
    <message>
        <location line="+5" />
        <source>%1 (Ctrl+%2)</source>
        <translation>%1（Ctrl+%2）</translation>
    </message>
    <message>
        <location line="+7" />
        <source>Pages</source>
        <translation>页面</translation>
    </message>
    <message>
        <location line="+7" />
        <source>Board: %1</source>
        <translation>开发板：%1</translation>
    </message>
    <message>
        <location line="+2" />
        <source>No board</source>
        <translation>未选择开发板</translation>
    </message>
    <message>
        <location line="+7" />
        <source>The active board</source>
        <translation>当前使用的开发板</translation>
    </message>
    <message>
        <location line="+2" />
        <source>The SSH connection to the active board</source>
        <translation>与当前开发板的 SSH 连接</translation>
    </message>
    <message>
        <location line="+3" />
        <source>llama-server on the active board</source>
        <translation>当前开发板上的 llama-server</translation>
    </message>
    <message>
        <location line="+63" />
        <source>About RUBIK Pi Studio</source>
        <translation>关于 RUBIK Pi Studio</translation>
    </message>
    <message>
        <location line="+5" />
        <source>Version %1</source>
        <translation>版本 %1</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Sets up llama.cpp on a RUBIK Pi 3 board, manages its models, runs the server and chats with it, all over SSH from this computer.</source>
        <translation>在 RUBIK Pi 3 开发板上安装 llama.cpp、管理模型、运行服务器并与模型对话——全部在这台电脑上通过 SSH 完成。</translation>
    </message>
</context>
<context>
    <name>Page</name>
    <message>
        <location filename="../../rubikpi_studio/ui/app.py" line="+128" />
        <location filename="../../rubikpi_studio/ui/pages/base.py" line="+194" />
        <location filename="../../rubikpi_studio/ui/pages/board.py" line="-439" />
        <source>Board</source>
        <translation>开发板</translation>
    </message>
    <message>
        <location filename="../../rubikpi_studio/ui/pages/base.py" line="+8" />
        <source>Setup</source>
        <translation>安装</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Models</source>
        <translation>模型</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Server</source>
        <translation>服务器</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Chat</source>
        <translation>对话</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Benchmark</source>
        <translation>性能测试</translation>
    </message>
</context>
<context>
    <name>PlaceholderPage</name>
    <message>
        <location line="-8" />
        <source>Connecting to a board is not available in this build yet.</source>
        <translation>此版本尚不支持连接开发板。</translation>
    </message>
    <message>
        <location line="+15" />
        <source>This page is not available in this build yet.</source>
        <translation>此版本尚未提供此页面。</translation>
    </message>
    <message>
        <location line="+53" />
        <source>Connect to a board first.</source>
        <translation>请先连接开发板。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Go to the Board page</source>
        <translation>转到“开发板”页面</translation>
    </message>
</context>
<context>
    <name>StepList</name>
    <message>
        <location filename="../../rubikpi_studio/ui/widgets.py" line="+385" />
        <source>This step: about %1 left</source>
        <translation>当前步骤：约剩 %1</translation>
    </message>
    <message>
        <location line="+7" />
        <source>Overall: about %1 left</source>
        <translation>总计：约剩 %1</translation>
    </message>
    <message>
        <location line="+7" />
        <source>Overall progress</source>
        <translation>总进度</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Stop the running operation</source>
        <translation>停止正在进行的操作</translation>
    </message>
</context>
<context>
    <name>duration</name>
    <message>
        <location line="-304" />
        <source>%1 s</source>
        <translation>%1 秒</translation>
    </message>
    <message>
        <location line="+4" />
        <source>%1 min %2 s</source>
        <translation>%1 分 %2 秒</translation>
    </message>
    <message>
        <location line="+3" />
        <source>%1 h %2 min</source>
        <translation>%1 小时 %2 分</translation>
    </message>
</context>
<context>
    <name>errors</name>
    <message>
        <location filename="../../rubikpi_studio/ui/i18n.py" line="+44" />
        <source>Something went wrong.</source>
        <translation>出错了。</translation>
    </message>
    <message>
        <location line="+1" />
        <source>The request is not valid.</source>
        <translation>请求无效。</translation>
    </message>
    <message>
        <location line="+1" />
        <source>The board cannot be reached.</source>
        <translation>无法连接到开发板。</translation>
    </message>
    <message>
        <location line="+1" />
        <source>The board refused the connection. Check that SSH runs on it and that the port is right.</source>
        <translation>开发板拒绝了连接。请确认开发板上的 SSH 服务正在运行，且端口正确。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>The board did not answer in time. Check that it is powered on and on the same network.</source>
        <translation>开发板没有及时响应。请确认它已通电，并与本机在同一网络中。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>The board's name could not be found. Try its IP address instead.</source>
        <translation>找不到开发板的主机名。请改用它的 IP 地址。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Something answered on that port, but it is not an SSH server.</source>
        <translation>该端口有响应，但不是 SSH 服务器。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>The connection to the board was lost.</source>
        <translation>与开发板的连接已断开。</translation>
    </message>
    <message>
        <location line="+1" />
        <source>The network is unreachable.</source>
        <translation>网络不可达。</translation>
    </message>
    <message>
        <location line="+1" />
        <source>The board refused the login.</source>
        <translation>开发板拒绝了登录。</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Wrong user name or password.</source>
        <translation>用户名或密码错误。</translation>
    </message>
    <message>
        <location line="+1" />
        <source>The board did not accept the key.</source>
        <translation>开发板不接受该密钥。</translation>
    </message>
    <message>
        <location line="+1" />
        <source>The key is protected by a passphrase. Enter it.</source>
        <translation>该密钥受口令保护，请输入口令。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Wrong passphrase for the key.</source>
        <translation>密钥口令错误。</translation>
    </message>
    <message>
        <location line="+1" />
        <source>The board offers no login method the app can use.</source>
        <translation>开发板没有提供本应用可用的登录方式。</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Enter the password to sign in.</source>
        <translation>请输入密码以登录。</translation>
    </message>
    <message>
        <location line="+1" />
        <source>The board requires a new password before it runs any command.</source>
        <translation>开发板要求先设置新密码，才能运行任何命令。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>The board's identity (its host key) is not known yet.</source>
        <translation>尚不认识这块开发板的身份（主机密钥）。</translation>
    </message>
    <message>
        <location line="+1" />
        <source>The board's identity (its host key) changed since the last connection. The board may have been reinstalled, or someone may be intercepting the connection. The app will not connect.</source>
        <translation>自上次连接以来，开发板的身份（主机密钥）已改变。可能是开发板重装了系统，也可能有人在拦截连接。本应用不会连接。</translation>
    </message>
    <message>
        <location line="+5" />
        <source>sudo refused the password.</source>
        <translation>sudo 拒绝了该密码。</translation>
    </message>
    <message>
        <location line="+1" />
        <source>A command on the board failed.</source>
        <translation>开发板上的一条命令执行失败。</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Cancelled.</source>
        <translation>已取消。</translation>
    </message>
    <message>
        <location line="+1" />
        <source>There is not enough free disk space.</source>
        <translation>磁盘剩余空间不足。</translation>
    </message>
    <message>
        <location line="+1" />
        <source>A file transfer failed.</source>
        <translation>文件传输失败。</translation>
    </message>
</context>
</TS>