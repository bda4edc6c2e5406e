<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
<context>
    <name>BenchmarkPage</name>
    <message>
        <location filename="../../rubikpi_studio/ui/pages/benchmark.py" line="+46" />
        <source>GPU</source>
        <translation>GPU</translation>
    </message>
    <message>
        <location line="+1" />
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <location line="+158" />
        <source>GPU versus CPU (llama-bench)</source>
        <translation>GPU 与 CPU 对比（llama-bench）</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Model on the board:</source>
        <translation>开发板上的模型：</translation>
    </message>
    <message>
        <location line="+4" />
        <source>path of a .gguf file on the board</source>
        <translation>开发板上 .gguf 文件的路径</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Repetitions:</source>
        <translation>重复次数：</translation>
    </message>
    <message>
        <location line="-124" />
        <location line="+125" />
        <source>CPU only</source>
        <translation>仅 CPU</translation>
    </message>
    <message>
        <location line="-139" />
        <source>{n} repetitions</source>
        <translation>重复 {n} 次</translation>
    </message>
    <message>
        <location line="+4" />
        <source>{n} threads</source>
        <translation>{n} 个线程</translation>
    </message>
    <message>
        <location line="+2" />
        <source>batch {n}</source>
        <translation>批大小 {n}</translation>
    </message>
    <message>
        <location line="+135" />
        <source>Run even while llama-server runs</source>
        <translation>即使 llama-server 正在运行也执行</translation>
    </message>
    <message>
        <location line="+3" />
        <source>The server and the benchmark would slow each other down; the numbers are marked.</source>
        <translation>服务器和基准测试会相互拖慢；结果会被标注。</translation>
    </message>
    <message>
        <location line="+5" />
        <source>Run benchmark</source>
        <translation>运行基准测试</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location line="+1" />
        <source>tokens/s (mean ± standard deviation, dots: repetitions)</source>
        <translation>令牌/秒（平均值 ± 标准差，圆点：各次重复）</translation>
    </message>
    <message>
        <location line="+3" />
        <source>No results yet: choose a model and run the benchmark.</source>
        <translation>还没有结果：请选择模型并运行基准测试。</translation>
    </message>
    <message>
        <location line="+5" />
        <source>Mode</source>
        <translation>模式</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Test</source>
        <translation>测试</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Backend</source>
        <translation>后端</translation>
    </message>
    <message>
        <location line="+1" />
        <source>GPU layers</source>
        <translation>GPU 层数</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Tokens/s</source>
        <translation>令牌/秒</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Earlier runs on this board</source>
        <translation>此开发板上的历史运行</translation>
    </message>
    <message>
        <location line="+3" />
        <source>When</source>
        <translation>时间</translation>
    </message>
    <message>
        <location line="+1" />
        <source>llama.cpp</source>
        <translation>llama.cpp</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location line="+1" />
        <source>pp GPU / CPU</source>
        <translation>pp GPU / CPU</translation>
    </message>
    <message>
        <location line="+1" />
        <source>tg GPU / CPU</source>
        <translation>tg GPU / CPU</translation>
    </message>
    <message>
        <location line="+1" />
        <source>GPU speed-up</source>
        <translation>GPU 加速比</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Show the earlier runs of one model only</source>
        <translation>只显示某个模型的历史运行</translation>
    </message>
    <message>
        <location line="+195" />
        <source>All models</source>
        <translation>所有模型</translation>
    </message>
    <message>
        <location line="-187" />
        <source>Measures prompt processing (pp) and generation (tg) on the GPU and the CPU.</source>
        <translation>在 GPU 和 CPU 上测量提示词处理（pp）和生成（tg）速度。</translation>
    </message>
    <message>
        <location line="+75" />
        <source>Running llama-bench on the board…</source>
        <translation>正在开发板上运行 llama-bench…</translation>
    </message>
    <message>
        <location line="+16" />
        <source>Not started.</source>
        <translation>未开始。</translation>
    </message>
    <message>
        <location line="+2" />
        <source>llama-server is running on this board. Stop it first for clean numbers, or tick “Run even while llama-server runs”.</source>
        <translation>此开发板上正在运行 llama-server。请先停止它以获得准确的结果，或勾选“即使 llama-server 正在运行也执行”。</translation>
    </message>
    <message>
        <location line="+8" />
        <source>Cancelled; nothing is left running on the board.</source>
        <translation>已取消；开发板上没有残留的进程。</translation>
    </message>
    <message>
        <location line="+5" />
        <source>The benchmark failed.</source>
        <translation>基准测试失败。</translation>
    </message>
    <message>
        <location line="+29" />
        <source>This llama.cpp build has no GPU backend: only the CPU was measured.</source>
        <translation>此 llama.cpp 构建没有 GPU 后端：只测量了 CPU。</translation>
    </message>
    <message>
        <location line="+26" />
        <source>{model}, llama.cpp {build}.</source>
        <translation>{model}，llama.cpp {build}。</translation>
    </message>
    <message>
        <location line="+7" />
        <source>Generation on the GPU: {ratio:.2f}× the CPU.</source>
        <translation>GPU 上的生成速度是 CPU 的 {ratio:.2f} 倍。</translation>
    </message>
    <message>
        <location line="+6" />
        <source>CPU only: this build has no GPU backend.</source>
        <translation>仅 CPU：此构建没有 GPU 后端。</translation>
    </message>
    <message>
        <location line="+4" />
        <source>llama-server was running during the run.</source>
        <translation>运行期间 llama-server 正在运行。</translation>
    </message>
</context>
<context>
    <name>BoardPage</name>
    <message>
        <location filename="../../rubikpi_studio/ui/connect_dialog.py" line="+38" />
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
        <location line="+8" />
        <source>Checking for a system keyring…</source>
        <translation>正在检查系统密钥环…</translation>
    </message>
    <message>
        <location line="+3" />
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
        <location filename="../../rubikpi_studio/ui/pages/board.py" line="+359" />
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location line="+26" />
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
        <location filename="../../rubikpi_studio/ui/pages/board.py" line="-218" />
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
        <location line="+75" />
        <source>Connecting to {target}…</source>
        <translation>正在连接 {target}…</translation>
    </message>
    <message>
        <location line="+17" />
        <source>The host key was not accepted; not connected.</source>
        <translation>未接受主机密钥，未连接。</translation>
    </message>
    <message>
        <location line="+11" />
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
        <location line="+15" />
        <source>Board facts read.</source>
        <translation>已读取开发板信息。</translation>
    </message>
    <message>
        <location line="+8" />
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
        <location line="+15" />
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
        <location line="+22" />
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
    <name>ChatPage</name>
    <message>
        <location filename="../../rubikpi_studio/ui/chat_view.py" line="+64" />
        <source>{n} prompt tokens</source>
        <translation>提示 {n} 个令牌</translation>
    </message>
    <message>
        <location line="+3" />
        <source>{n} generated</source>
        <translation>生成 {n} 个</translation>
    </message>
    <message>
        <location line="+3" />
        <source>{rate:.1f} tokens/s</source>
        <translation>{rate:.1f} 令牌/秒</translation>
    </message>
    <message>
        <location line="+4" />
        <source>first token after {ms:.0f} ms</source>
        <translation>首个令牌用时 {ms:.0f} 毫秒</translation>
    </message>
    <message>
        <location line="+52" />
        <location line="+222" />
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <location line="-221" />
        <source>Copy the code</source>
        <translation>复制代码</translation>
    </message>
    <message>
        <location line="+207" />
        <source>answering…</source>
        <translation>回答中…</translation>
    </message>
    <message>
        <location line="+1" />
        <source>interrupted</source>
        <translation>已中断</translation>
    </message>
    <message>
        <location line="+1" />
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <location line="+7" />
        <source>You</source>
        <translation>你</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Assistant</source>
        <translation>助手</translation>
    </message>
    <message>
        <location line="+1" />
        <source>System</source>
        <translation>系统</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Edit</source>
        <translation>编辑</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Put this message back in the input box to change and resend it</source>
        <translation>将此消息放回输入框，以便修改后重新发送</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Regenerate</source>
        <translation>重新生成</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Continue</source>
        <translation>继续</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Ask the model to go on from where the answer stopped</source>
        <translation>让模型从回答停止处继续</translation>
    </message>
    <message>
        <location filename="../../rubikpi_studio/ui/pages/chat.py" line="+93" />
        <source>The model server cannot be reached.</source>
        <translation>无法连接模型服务器。</translation>
    </message>
    <message>
        <location line="+1" />
        <source>The model server refused the API key.</source>
        <translation>模型服务器拒绝了 API 密钥。</translation>
    </message>
    <message>
        <location line="+1" />
        <source>The model server is still loading the model.</source>
        <translation>模型服务器仍在加载模型。</translation>
    </message>
    <message>
        <location line="+1" />
        <source>The model server answered with an error.</source>
        <translation>模型服务器返回了错误。</translation>
    </message>
    <message>
        <location line="+1" />
        <source>The conversation is too long for the model's context. Start a new one.</source>
        <translation>对话已超出模型的上下文长度。请开始新的对话。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>The served model does not take images.</source>
        <translation>当前提供的模型不支持图片。</translation>
    </message>
    <message>
        <location line="+1" />
        <source>The answer was interrupted. What arrived is kept; Continue asks for the rest.</source>
        <translation>回答被中断。已收到的内容已保存；点击“继续”可获取剩余部分。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>The model server sent something unexpected.</source>
        <translation>模型服务器发送了意外的内容。</translation>
    </message>
    <message>
        <location line="+1" />
        <source>This file is not an image the model can take.</source>
        <translation>此文件不是模型可接受的图片。</translation>
    </message>
    <message>
        <location line="+1" />
        <source>The chat history could not be saved.</source>
        <translation>无法保存聊天记录。</translation>
    </message>
    <message>
        <location line="+2" />
        <source>The board has sent nothing for a while; waiting for it (the connection may have stalled).</source>
        <translation>开发板已有一段时间没有发来任何数据；正在等待（连接可能停滞了）。</translation>
    </message>
    <message>
        <location line="+275" />
        <source>Search conversations</source>
        <translation>搜索对话</translation>
    </message>
    <message>
        <location line="+1" />
        <source>New</source>
        <translation>新建</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Rename</source>
        <translation>重命名</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Export as Markdown…</source>
        <translation>导出为 Markdown…</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Export as JSON…</source>
        <translation>导出为 JSON…</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location line="+2" />
        <source>System prompt and sampling for this conversation</source>
        <translation>此对话的系统提示词和采样参数</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Message the model (Enter sends, Shift+Enter for a new line)</source>
        <translation>向模型发送消息（Enter 发送，Shift+Enter 换行）</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Stop the answer (Esc)</source>
        <translation>停止回答（Esc）</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Image…</source>
        <translation>图片…</translation>
    </message>
    <message>
        <location line="+1" />
        <source>This conversation</source>
        <translation>此对话</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Editing an earlier message: sending replaces it and everything after it. Esc cancels.</source>
        <translation>正在编辑之前的消息：发送后将替换该消息及其后的全部内容。按 Esc 取消。</translation>
    </message>
    <message>
        <location line="+5" />
        <source>Cancel edit</source>
        <translation>取消编辑</translation>
    </message>
    <message>
        <location line="+2" />
        <source>System prompt</source>
        <translation>系统提示词</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Temperature</source>
        <translation>温度</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Top-p</source>
        <translation>Top-p 采样</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Max tokens</source>
        <translation>最大令牌数</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <location line="+7" />
        <source>e.g. You are a concise assistant.</source>
        <translation>例如：你是一个简洁的助手。</translation>
    </message>
    <message>
        <location line="+2" />
        <source>server default</source>
        <translation>服务器默认</translation>
    </message>
    <message>
        <location line="+4" />
        <source>random</source>
        <translation>随机</translation>
    </message>
    <message>
        <location line="+9" />
        <source>No model server. Start one on the Server page.</source>
        <translation>没有模型服务器。请在“服务器”页面启动一个。</translation>
    </message>
    <message>
        <location line="+2" />
        <source>The model server does not answer yet.</source>
        <translation>模型服务器尚未响应。</translation>
    </message>
    <message>
        <location line="+5" />
        <source>takes images</source>
        <translation>支持图片</translation>
    </message>
    <message>
        <location line="+2" />
        <source>text only</source>
        <translation>仅文本</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Model: {model} ({vision}, context {n_ctx} tokens)</source>
        <translation>模型：{model}（{vision}，上下文 {n_ctx} 个令牌）</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Reached over your network at {url}, with its API key.</source>
        <translation>通过你的网络访问 {url}（使用其 API 密钥）。</translation>
    </message>
    <message>
        <location line="+5" />
        <source>Attach an image (it is scaled down on this computer before sending)</source>
        <translation>附加图片（发送前会在本机缩小）</translation>
    </message>
    <message>
        <location line="+4" />
        <source>The served model does not take images. Serve a vision model with its projector (mmproj).</source>
        <translation>当前提供的模型不支持图片。请使用视觉模型及其投影器（mmproj）启动服务。</translation>
    </message>
    <message>
        <location line="+5" />
        <source>Images can be attached once a vision model is being served.</source>
        <translation>启动视觉模型服务后即可附加图片。</translation>
    </message>
    <message>
        <location line="+14" />
        <source>Something went wrong.</source>
        <translation>出现了问题。</translation>
    </message>
    <message>
        <location line="+143" />
        <source>New conversation</source>
        <translation>新对话</translation>
    </message>
    <message>
        <location line="+43" />
        <source>Delete this conversation? This cannot be undone.</source>
        <translation>删除此对话？此操作无法撤销。</translation>
    </message>
    <message>
        <location line="+102" />
        <source>Markdown (*.md)</source>
        <translation>Markdown 文件 (*.md)</translation>
    </message>
    <message>
        <location line="+2" />
        <source>JSON (*.json)</source>
        <translation>JSON 文件 (*.json)</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Export the conversation</source>
        <translation>导出对话</translation>
    </message>
    <message>
        <location line="+20" />
        <source>Attach images</source>
        <translation>附加图片</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Images (*.png *.jpg *.jpeg *.gif *.bmp *.webp)</source>
        <translation>图片 (*.png *.jpg *.jpeg *.gif *.bmp *.webp)</translation>
    </message>
    <message>
        <location line="+32" />
        <source>Remove this image</source>
        <translation>移除此图片</translation>
    </message>
    <message>
        <location line="+282" />
        <source>{n} tokens · {rate:.1f} tokens/s</source>
        <translation>{n} 个令牌 · {rate:.1f} 令牌/秒</translation>
    </message>
    <message>
        <location line="+4" />
        <source>{n} tokens</source>
        <translation>{n} 个令牌</translation>
    </message>
</context>
<context>
    <name>ExceptionHook</name>
    <message>
        <location filename="../../rubikpi_studio/ui/app.py" line="+212" />
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
        <location filename="../../rubikpi_studio/ui/mainwindow.py" line="+72" />
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
        <location line="+210" />
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
        <location line="+4" />
        <source>About &amp;Qt</source>
        <translation>关于 Qt(&amp;Q)</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Board monitor</source>
        <translation>开发板监控</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Board &amp;monitor</source>
        <translation>开发板监控(&amp;M)</translation>
    </message>
    <message>
        <location line="+2" />
        <source>The active board's CPU, memory, GPU and temperatures, live (Ctrl+Shift+M)</source>
        <translation>当前开发板的 CPU、内存、GPU 和温度实时状态（Ctrl+Shift+M）</translation>
    </message>
    <message>
        <location line="+8" />
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
        <location line="+117" />
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
    <name>ModelsPage</name>
    <message>
        <location filename="../../rubikpi_studio/ui/pages/models.py" line="+103" />
        <source>Quantize a model</source>
        <translation>量化模型</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Pure: every weight matrix in the same type (fast on the GPU)</source>
        <translation>纯量化：所有权重矩阵使用同一类型（在 GPU 上更快）</translation>
    </message>
    <message>
        <location line="+6" />
        <source>Delete the source file afterwards</source>
        <translation>完成后删除源文件</translation>
    </message>
    <message>
        <location line="+12" />
        <source>Source</source>
        <translation>源文件</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Output</source>
        <translation>输出</translation>
    </message>
    <message>
        <location line="+5" />
        <source>Quantize</source>
        <translation>量化</translation>
    </message>
    <message>
        <location line="+3" />
        <location line="+196" />
        <location line="+553" />
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location line="-585" />
        <source>Models</source>
        <translation>模型</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Get a model</source>
        <translation>获取模型</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Kind</source>
        <translation>类别</translation>
    </message>
    <message>
        <location line="+1" />
        <location line="+33" />
        <source>Parameters</source>
        <translation>参数量</translation>
    </message>
    <message>
        <location line="-32" />
        <location line="+14" />
        <source>Download</source>
        <translation>下载</translation>
    </message>
    <message>
        <location line="-13" />
        <source>Memory</source>
        <translation>内存</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Fits the board</source>
        <translation>开发板能否运行</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Quantize as recommended after the download</source>
        <translation>下载后按推荐方式量化</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Download to the board</source>
        <translation>下载到开发板</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Or paste a Hugging Face link or owner/repo/file.gguf, then press Download</source>
        <translation>或粘贴 Hugging Face 链接或 owner/repo/file.gguf，然后点击“下载”</translation>
    </message>
    <message>
        <location line="+5" />
        <source>Download from</source>
        <translation>下载来源</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Hugging Face or a mirror such as https://hf-mirror.com</source>
        <translation>Hugging Face 或镜像，例如 https://hf-mirror.com</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Access token…</source>
        <translation>访问令牌…</translation>
    </message>
    <message>
        <location line="+2" />
        <source>A Hugging Face token for gated models, kept in the system keyring</source>
        <translation>用于受限模型的 Hugging Face 令牌，保存在系统密钥环中</translation>
    </message>
    <message>
        <location line="+5" />
        <source>On the board</source>
        <translation>开发板上的模型</translation>
    </message>
    <message>
        <location line="+3" />
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Architecture</source>
        <translation>架构</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Quantization</source>
        <translation>量化</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Context</source>
        <translation>上下文</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Notes</source>
        <translation>备注</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Quantize…</source>
        <translation>量化…</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Upload from this computer…</source>
        <translation>从本机上传…</translation>
    </message>
    <message>
        <location line="+99" />
        <source>connect to check</source>
        <translation>连接后检查</translation>
    </message>
    <message>
        <location line="+2" />
        <source>no:</source>
        <translation>否：</translation>
    </message>
    <message>
        <location line="+2" />
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <location line="+2" />
        <source>vision (with image projector)</source>
        <translation>视觉（带图像编码器）</translation>
    </message>
    <message>
        <location line="+2" />
        <source>text</source>
        <translation>文本</translation>
    </message>
    <message>
        <location line="+3" />
        <source>from the RUBIK Pi guide</source>
        <translation>来自 RUBIK Pi 手册</translation>
    </message>
    <message>
        <location line="+24" />
        <source>downloading now</source>
        <translation>正在下载</translation>
    </message>
    <message>
        <location line="+3" />
        <source>unfinished transfer: downloading it again continues it</source>
        <translation>传输未完成：再次下载将从断点继续</translation>
    </message>
    <message>
        <location line="+6" />
        <source>vision projector for %s</source>
        <translation>%s 的视觉编码器</translation>
    </message>
    <message>
        <location line="+2" />
        <source>vision projector (no matching model here)</source>
        <translation>视觉编码器（此处没有匹配的模型）</translation>
    </message>
    <message>
        <location line="+3" />
        <source>images with %s</source>
        <translation>图像需配合 %s</translation>
    </message>
    <message>
        <location line="+2" />
        <source>being served</source>
        <translation>服务器正在使用</translation>
    </message>
    <message>
        <location line="+19" />
        <source>free</source>
        <translation>可用</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Connect to a board on the Board page to see and add its models.</source>
        <translation>请在“开发板”页面连接开发板，以查看和添加模型。</translation>
    </message>
    <message>
        <location line="+81" />
        <source>Hugging Face access token</source>
        <translation>Hugging Face 访问令牌</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Token for %s (leave empty to remove it):</source>
        <translation>%s 的令牌（留空则删除）：</translation>
    </message>
    <message>
        <location line="+16" />
        <source>Access token saved.</source>
        <translation>已保存访问令牌。</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Access token removed.</source>
        <translation>已删除访问令牌。</translation>
    </message>
    <message>
        <location line="-55" />
        <location line="+117" />
        <source>Downloading %s</source>
        <translation>正在下载 %s</translation>
    </message>
    <message>
        <location line="-38" />
        <source>After quantizing to %s, delete the downloaded %s (about %s) to free disk space? Only the quantized model stays on the board.</source>
        <translation>量化为 %s 后，要删除下载的 %s（约 %s）以释放磁盘空间吗？开发板上只保留量化后的模型。</translation>
    </message>
    <message>
        <location line="+6" />
        <source>Delete it afterwards</source>
        <translation>完成后删除</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Keep it</source>
        <translation>保留</translation>
    </message>
    <message>
        <location line="+68" />
        <source>Starting…</source>
        <translation>正在开始…</translation>
    </message>
    <message>
        <location line="+10" />
        <source>Cancelled.</source>
        <translation>已取消。</translation>
    </message>
    <message>
        <location line="+15" />
        <source>Stopping…</source>
        <translation>正在停止…</translation>
    </message>
    <message>
        <location line="+18" />
        <source>Looking up the file…</source>
        <translation>正在查找文件…</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Checking free disk space…</source>
        <translation>正在检查可用磁盘空间…</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Checking the sha256 of the download…</source>
        <translation>正在校验下载文件的 sha256…</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Checking the input and the disk…</source>
        <translation>正在检查输入文件和磁盘…</translation>
    </message>
    <message>
        <location line="+7" />
        <source>%s of %s · no data, retrying in %d s</source>
        <translation>%s / %s · 没有数据，%d 秒后重试</translation>
    </message>
    <message>
        <location line="+5" />
        <source>%s of %s</source>
        <translation>%s / %s</translation>
    </message>
    <message>
        <location line="+8" />
        <source>%s left</source>
        <translation>剩余 %s</translation>
    </message>
    <message>
        <location line="+53" />
        <source>%s is already quantized (%s). Requantizing loses quality. Quantize it anyway?</source>
        <translation>%s 已经量化过（%s）。再次量化会降低质量。仍要量化吗？</translation>
    </message>
    <message>
        <location line="+5" />
        <source>Requantize</source>
        <translation>再次量化</translation>
    </message>
    <message>
        <location line="+6" />
        <source>%s is already on the board. Replace it with the new quantization?</source>
        <translation>%s 已在开发板上。要用新的量化结果替换它吗？</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Replace</source>
        <translation>替换</translation>
    </message>
    <message>
        <location line="+8" />
        <source>Quantizing %s to %s</source>
        <translation>正在将 %s 量化为 %s</translation>
    </message>
    <message>
        <location line="+45" />
        <source>%s is being served by llama-server. Stop the server on the Server page first, then delete it.</source>
        <translation>llama-server 正在使用 %s。请先在“服务器”页面停止服务器，然后再删除。</translation>
    </message>
    <message>
        <location line="+9" />
        <source>Delete %s (%s) from the board? This cannot be undone.</source>
        <translation>从开发板上删除 %s（%s）？此操作无法撤销。</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <location line="+5" />
        <source>Deleted %s.</source>
        <translation>已删除 %s。</translation>
    </message>
    <message>
        <location line="+6" />
        <source>Upload a GGUF model</source>
        <translation>上传 GGUF 模型</translation>
    </message>
    <message>
        <location line="+2" />
        <source>GGUF models (*.gguf)</source>
        <translation>GGUF 模型 (*.gguf)</translation>
    </message>
    <message>
        <location line="+10" />
        <source>Uploading %s</source>
        <translation>正在上传 %s</translation>
    </message>
    <message>
        <location line="+10" />
        <source>%d s</source>
        <translation>%d 秒</translation>
    </message>
    <message>
        <location line="+2" />
        <source>%d min %02d s</source>
        <translation>%d 分 %02d 秒</translation>
    </message>
    <message>
        <location line="+1" />
        <source>%d h %02d min</source>
        <translation>%d 小时 %02d 分</translation>
    </message>
</context>
<context>
    <name>MonitorPanel</name>
    <message>
        <location filename="../../rubikpi_studio/ui/monitor_panel.py" line="+81" />
        <source>CPU per core</source>
        <translation>每核 CPU</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Memory used</source>
        <translation>已用内存</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Swap used</source>
        <translation>已用交换空间</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Adreno GPU busy</source>
        <translation>Adreno GPU 占用率</translation>
    </message>
    <message>
        <location line="+1" />
        <source>GPU clock</source>
        <translation>GPU 频率</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Hottest sensor</source>
        <translation>最高温度传感器</translation>
    </message>
    <message>
        <location line="+1" />
        <source>llama-server memory</source>
        <translation>llama-server 内存</translation>
    </message>
    <message>
        <location line="+2" />
        <source>not available</source>
        <translation>不可用</translation>
    </message>
    <message>
        <location line="+52" />
        <source>Connect to a board to see its state.</source>
        <translation>连接开发板以查看其状态。</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Sampled once a second over the board's SSH connection.</source>
        <translation>通过开发板的 SSH 连接每秒采样一次。</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Paused while the panel is closed or the window is minimised.</source>
        <translation>监控面板关闭或窗口最小化时暂停。</translation>
    </message>
    <message>
        <location line="+43" />
        <source>no swap</source>
        <translation>无交换空间</translation>
    </message>
    <message>
        <location line="+3" />
        <source>not running</source>
        <translation>未运行</translation>
    </message>
    <message>
        <location line="+8" />
        <source>{percent:.0f} % of {cores} cores</source>
        <translation>{cores} 个核心共 {percent:.0f} %</translation>
    </message>
    <message>
        <location line="+8" />
        <source>Adreno GPU {temp:.1f} °C</source>
        <translation>Adreno GPU 温度 {temp:.1f} °C</translation>
    </message>
    <message>
        <location line="+10" />
        <source>The board reports no temperature sensors.</source>
        <translation>开发板未报告温度传感器。</translation>
    </message>
</context>
<context>
    <name>Page</name>
    <message>
        <location filename="../../rubikpi_studio/ui/app.py" line="+162" />
        <location filename="../../rubikpi_studio/ui/pages/base.py" line="+247" />
        <location filename="../../rubikpi_studio/ui/pages/board.py" line="-445" />
        <source>Board</source>
        <translation>开发板</translation>
    </message>
    <message>
        <location filename="../../rubikpi_studio/ui/pages/base.py" line="+9" />
        <location filename="../../rubikpi_studio/ui/pages/setup.py" line="+54" />
        <source>Setup</source>
        <translation>安装</translation>
    </message>
    <message>
        <location line="+1" />
        <location filename="../../rubikpi_studio/ui/pages/models.py" line="-805" />
        <source>Models</source>
        <translation>模型</translation>
    </message>
    <message>
        <location line="+2" />
        <location filename="../../rubikpi_studio/ui/pages/server.py" line="+113" />
        <source>Server</source>
        <translation>服务器</translation>
    </message>
    <message>
        <location line="+2" />
        <location filename="../../rubikpi_studio/ui/pages/chat.py" line="-925" />
        <source>Chat</source>
        <translation>对话</translation>
    </message>
    <message>
        <location line="+1" />
        <location filename="../../rubikpi_studio/ui/pages/benchmark.py" line="-334" />
        <source>Benchmark</source>
        <translation>性能测试</translation>
    </message>
</context>
<context>
    <name>PlaceholderPage</name>
    <message>
        <location line="-10" />
        <source>Connecting to a board is not available in this build yet.</source>
        <translation>此版本尚不支持连接开发板。</translation>
    </message>
    <message>
        <location line="+17" />
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
    <name>ServerPage</name>
    <message>
        <location filename="../../rubikpi_studio/ui/pages/server.py" line="+158" />
        <source>Model server</source>
        <translation>模型服务器</translation>
    </message>
    <message>
        <location line="+1" />
        <source>What to serve</source>
        <translation>服务设置</translation>
    </message>
    <message>
        <location line="+2" />
        <location line="+71" />
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location line="-70" />
        <source>Vision projector</source>
        <translation>视觉编码器</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Run on</source>
        <translation>运行设备</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Context (tokens)</source>
        <translation>上下文（令牌数）</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Batch size</source>
        <translation>批大小</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Threads</source>
        <translation>线程数</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Slots (parallel requests)</source>
        <translation>槽位（并行请求）</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Flash attention</source>
        <translation>Flash 注意力</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Port on the board</source>
        <translation>开发板上的端口</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Network</source>
        <translation>网络</translation>
    </message>
    <message>
        <location line="+1" />
        <source>At boot</source>
        <translation>开机时</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Extra flags</source>
        <translation>额外参数</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location line="+3" />
        <source>GPU (Adreno, OpenCL)</source>
        <translation>GPU（Adreno，OpenCL）</translation>
    </message>
    <message>
        <location line="+1" />
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <location line="+2" />
        <location line="+13" />
        <source>Automatic</source>
        <translation>自动</translation>
    </message>
    <message>
        <location line="-11" />
        <source>How many requests the server answers at once. The context is shared between the slots.</source>
        <translation>服务器同时处理的请求数。上下文由各槽位共享。</translation>
    </message>
    <message>
        <location line="+8" />
        <source>Default (off on the GPU, as in the manual)</source>
        <translation>默认（GPU 上关闭，与手册一致）</translation>
    </message>
    <message>
        <location line="+1" />
        <source>On</source>
        <translation>开启</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location line="+6" />
        <location line="+2" />
        <source>None (text only)</source>
        <translation>无（仅文本）</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Share on my network (with an API key)</source>
        <translation>在我的网络中共享（使用 API 密钥）</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Other devices on your network can use the model with the key shown here. Off: only this app.</source>
        <translation>网络中的其他设备可以使用此处显示的密钥访问模型。关闭时：仅本应用可用。</translation>
    </message>
    <message>
        <location line="+7" />
        <source>Start this model when the board boots</source>
        <translation>开发板开机时启动此模型</translation>
    </message>
    <message>
        <location line="+3" />
        <source>The board starts the server by itself after a reboot, with these settings (a systemd user service). Shared on the network, its API key is then kept in a file on the board that only your account can read.</source>
        <translation>开发板重启后会按这些设置自行启动服务器（一个 systemd 用户服务）。若在网络上共享，其 API 密钥会保存在开发板上一个只有你的账户能读取的文件中。</translation>
    </message>
    <message>
        <location line="+8" />
        <source>Start</source>
        <translation>启动</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Restart</source>
        <translation>重启</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Loading</source>
        <translation>加载</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Running</source>
        <translation>运行中</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Runs on</source>
        <translation>运行设备</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Context</source>
        <translation>上下文</translation>
    </message>
    <message>
        <location line="+1" />
        <source>URL for this app</source>
        <translation>本应用使用的 URL</translation>
    </message>
    <message>
        <location line="+1" />
        <source>URL for other devices</source>
        <translation>其他设备使用的 URL</translation>
    </message>
    <message>
        <location line="+1" />
        <source>API key</source>
        <translation>API 密钥</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Server log</source>
        <translation>服务器日志</translation>
    </message>
    <message>
        <location line="+6" />
        <source>Connect to a board first.</source>
        <translation>请先连接开发板。</translation>
    </message>
    <message>
        <location line="+2" />
        <source>No model is being served.</source>
        <translation>当前没有运行中的模型服务。</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Serving {model} on port {port}.</source>
        <translation>正在端口 {port} 上提供 {model}。</translation>
    </message>
    <message>
        <location line="+4" />
        <source>It was started outside the app; Stop ends it.</source>
        <translation>它不是由本应用启动的；点击“停止”可结束它。</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Loading the model…</source>
        <translation>正在加载模型…</translation>
    </message>
    <message>
        <location line="+2" />
        <location line="+282" />
        <source>The server stopped and is being restarted…</source>
        <translation>服务器已停止，正在重启…</translation>
    </message>
    <message>
        <location line="-280" />
        <source>The server failed: {why}</source>
        <translation>服务器出错：{why}</translation>
    </message>
    <message>
        <location line="+6" />
        <source>unknown (not started by the app)</source>
        <translation>未知（不是由本应用启动）</translation>
    </message>
    <message>
        <location line="+6" />
        <source>yes</source>
        <translation>支持</translation>
    </message>
    <message>
        <location line="+2" />
        <source>no</source>
        <translation>不支持</translation>
    </message>
    <message>
        <location line="+2" />
        <source>{n} tokens, {slots} slot(s), images: {vision}</source>
        <translation>{n} 个令牌，{slots} 个槽位，图像：{vision}</translation>
    </message>
    <message>
        <location line="+4" />
        <source>not shared</source>
        <translation>未共享</translation>
    </message>
    <message>
        <location line="+50" />
        <source>Choose a model first (put GGUF files in ~/dev/llm/models).</source>
        <translation>请先选择模型（将 GGUF 文件放在 ~/dev/llm/models 中）。</translation>
    </message>
    <message>
        <location line="+166" />
        <source>{model} will start when the board boots.</source>
        <translation>开发板开机时将启动 {model}。</translation>
    </message>
    <message>
        <location line="+7" />
        <source>The server will not start at boot any more.</source>
        <translation>服务器将不再在开机时启动。</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../../rubikpi_studio/ui/mainwindow.py" line="-166" />
        <source>&amp;Settings…</source>
        <translation>设置(&amp;S)…</translation>
    </message>
    <message>
        <location line="+1" />
        <source>&amp;Report a problem…</source>
        <translation>报告问题(&amp;R)…</translation>
    </message>
    <message>
        <location filename="../../rubikpi_studio/ui/settings_dialog.py" line="+106" />
        <source>General</source>
        <translation>常规</translation>
    </message>
    <message>
        <location line="+24" />
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Colours</source>
        <translation>配色</translation>
    </message>
    <message>
        <location line="+1" />
        <location line="+2" />
        <source>Follow the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Light</source>
        <translation>浅色</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Dark</source>
        <translation>深色</translation>
    </message>
    <message>
        <location line="+5" />
        <source>Open the setup wizard when the app starts</source>
        <translation>启动应用时打开设置向导</translation>
    </message>
    <message>
        <location line="+24" />
        <source>Downloads</source>
        <translation>下载</translation>
    </message>
    <message>
        <location line="+30" />
        <source>Download models from</source>
        <translation>模型下载来源</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Hugging Face token</source>
        <translation>Hugging Face 令牌</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Hugging Face, or a mirror with the same layout (in China, hf-mirror.com is often faster).</source>
        <translation>Hugging Face，或具有相同目录结构的镜像（在中国，hf-mirror.com 通常更快）。</translation>
    </message>
    <message>
        <location line="+6" />
        <source>only for gated or private models</source>
        <translation>仅用于受限或私有模型</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Remove the saved token</source>
        <translation>删除已保存的令牌</translation>
    </message>
    <message>
        <location line="+6" />
        <source>No system keyring is available, so a token cannot be saved.</source>
        <translation>没有可用的系统密钥环，因此无法保存令牌。</translation>
    </message>
    <message>
        <location line="+4" />
        <source>A token is saved in the system keyring. Type a new one to replace it.</source>
        <translation>系统密钥环中已保存一个令牌。输入新令牌即可替换。</translation>
    </message>
    <message>
        <location line="+4" />
        <source>The token is kept in the system keyring.</source>
        <translation>令牌保存在系统密钥环中。</translation>
    </message>
    <message>
        <location line="+32" />
        <source>The download address must start with https:// (or http://).</source>
        <translation>下载地址必须以 https://（或 http://）开头。</translation>
    </message>
    <message>
        <location line="+23" />
        <source>Server</source>
        <translation>服务器</translation>
    </message>
    <message>
        <location line="+17" />
        <source>Server port on the board</source>
        <translation>开发板上的服务器端口</translation>
    </message>
    <message>
        <location line="+2" />
        <source>llama-server listens on this port on the board's own loopback; the app reaches it through the SSH connection.</source>
        <translation>llama-server 在开发板本机回环地址的此端口上监听；本应用通过 SSH 连接访问它。</translation>
    </message>
    <message>
        <location line="+54" />
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location line="+3" />
        <source>OK</source>
        <translation>确定</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location line="+36" />
        <source>The keyring did not take the secret: {why}</source>
        <translation>密钥环未能保存该机密信息：{why}</translation>
    </message>
    <message>
        <location line="+30" />
        <source>Save the problem report</source>
        <translation>保存问题报告</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Zip files (*.zip)</source>
        <translation>Zip 文件 (*.zip)</translation>
    </message>
    <message>
        <location line="+27" />
        <source>Report a problem</source>
        <translation>报告问题</translation>
    </message>
    <message>
        <location line="+2" />
        <source>The report was saved to {path}. Passwords, tokens and keys were removed. Attach it to your message or issue.</source>
        <translation>报告已保存到 {path}。其中的密码、令牌和密钥均已删除。请将其附在你的留言或问题报告中。</translation>
    </message>
</context>
<context>
    <name>SetupPage</name>
    <message>
        <location filename="../../rubikpi_studio/ui/pages/setup.py" line="+88" />
        <source>Set up llama.cpp on the board</source>
        <translation>在开发板上安装 llama.cpp</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Installs what is missing, builds llama.cpp with the Adreno GPU (OpenCL) backend where the board has the Qualcomm driver, checks the result and adds it to the board's PATH. The work runs on the board: you may close the app, it carries on and the app finds it again.</source>
        <translation>安装缺少的依赖项；如果开发板装有高通驱动，则构建带 Adreno GPU（OpenCL）后端的 llama.cpp；然后检查结果并将其添加到开发板的 PATH。这些工作在开发板上运行：你可以关闭本应用，安装会继续进行，重新打开后应用会找回它。</translation>
    </message>
    <message>
        <location line="+8" />
        <source>Retry</source>
        <translation>重试</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Set up the board</source>
        <translation>开始安装</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Roll back to the previous build</source>
        <translation>回滚到上一个构建</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Use the llama.cpp build from before the last setup again (it is kept beside the current one).</source>
        <translation>重新使用上次安装之前的 llama.cpp 构建（它保存在当前构建旁边）。</translation>
    </message>
    <message>
        <location line="+7" />
        <source>Remove from the board's PATH</source>
        <translation>从开发板的 PATH 中移除</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Take the llama.cpp entry out of ~/.bash_profile on the board. The app does not need it.</source>
        <translation>从开发板的 ~/.bash_profile 中删除 llama.cpp 条目。本应用不需要它。</translation>
    </message>
    <message>
        <location line="+5" />
        <source>CPU only (no OpenCL)</source>
        <translation>仅 CPU（不使用 OpenCL）</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Add to the board's PATH</source>
        <translation>添加到开发板的 PATH</translation>
    </message>
    <message>
        <location line="+1" />
        <source>llama.cpp version (commit or tag):</source>
        <translation>llama.cpp 版本（提交或标签）：</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Log</source>
        <translation>日志</translation>
    </message>
    <message>
        <location line="+48" />
        <source>Stopping the setup on the board…</source>
        <translation>正在停止开发板上的安装…</translation>
    </message>
    <message>
        <location line="+14" />
        <location line="+105" />
        <source>Working on the board…</source>
        <translation>正在开发板上执行…</translation>
    </message>
    <message>
        <location line="-85" />
        <source>sudo refused the password. The board account's password:</source>
        <translation>sudo 拒绝了该密码。开发板账户的密码：</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Installing packages needs root. The board account's password for sudo:</source>
        <translation>安装软件包需要 root 权限。请输入开发板账户的 sudo 密码：</translation>
    </message>
    <message>
        <location line="+18" />
        <source>The setup was cancelled.</source>
        <translation>安装已取消。</translation>
    </message>
    <message>
        <location line="+9" />
        <source>The setup stopped: {message}</source>
        <translation>安装已停止：{message}</translation>
    </message>
    <message>
        <location line="+32" />
        <source>Switch the board back to the previous llama.cpp build? The current build is kept: rolling back again returns to it. Restart a running llama-server to use the other build.</source>
        <translation>将开发板切换回上一个 llama.cpp 构建？当前构建会保留：再次回滚即可回到它。正在运行的 llama-server 需重启后才会使用另一个构建。</translation>
    </message>
    <message>
        <location line="+5" />
        <source>Roll back</source>
        <translation>回滚</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Remove llama.cpp from the PATH of terminals on the board (the block in ~/.bash_profile)? The app does not need it. A later setup adds it again unless “Add to the board's PATH” is unchecked.</source>
        <translation>从开发板终端的 PATH 中移除 llama.cpp（~/.bash_profile 中的那一段）？本应用不需要它。之后再次安装时会重新添加，除非取消勾选“添加到开发板的 PATH”。</translation>
    </message>
    <message>
        <location line="+6" />
        <source>Remove from PATH</source>
        <translation>从 PATH 中移除</translation>
    </message>
    <message>
        <location line="+17" />
        <source>Cancelled.</source>
        <translation>已取消。</translation>
    </message>
    <message>
        <location line="+7" />
        <source>That did not work: {message}</source>
        <translation>操作未完成：{message}</translation>
    </message>
    <message>
        <location line="+15" />
        <source>Rolled back: the board now uses {build}. Roll back again to return.</source>
        <translation>已回滚：开发板现在使用 {build}。再次回滚即可返回。</translation>
    </message>
    <message>
        <location line="+4" />
        <source>The board's PATH had no llama.cpp entry.</source>
        <translation>开发板的 PATH 中没有 llama.cpp 条目。</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Removed llama.cpp from the board's PATH; new terminals on the board no longer find it.</source>
        <translation>已从开发板的 PATH 中移除 llama.cpp；开发板上新开的终端将不再找到它。</translation>
    </message>
    <message>
        <location line="+9" />
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location line="+17" />
        <source>{device}, {n}/{total} layers offloaded</source>
        <translation>{device}，已卸载 {n}/{total} 层</translation>
    </message>
    <message>
        <location line="+3" />
        <source>llama.cpp {version} is ready, built with {backend}. GPU: {device}.</source>
        <translation>llama.cpp {version} 已就绪，使用 {backend} 构建。GPU：{device}。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>llama.cpp {version} is ready, built with {backend}. The GPU is not used: {why}.</source>
        <translation>llama.cpp {version} 已就绪，使用 {backend} 构建。未使用 GPU：{why}。</translation>
    </message>
    <message>
        <location line="+7" />
        <source>llama.cpp was built for the CPU (no OpenCL)</source>
        <translation>llama.cpp 是为 CPU 构建的（没有 OpenCL）</translation>
    </message>
    <message>
        <location line="+1" />
        <source>llama.cpp found no Adreno OpenCL device</source>
        <translation>llama.cpp 没有找到 Adreno OpenCL 设备</translation>
    </message>
    <message>
        <location line="+1" />
        <source>{device} is there, but the test run offloaded {offloaded} layers to it</source>
        <translation>{device} 存在，但测试运行卸载到它上面的层数为 {offloaded}</translation>
    </message>
</context>
<context>
    <name>StepList</name>
    <message>
        <location filename="../../rubikpi_studio/ui/widgets.py" line="+459" />
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
    <name>Steps</name>
    <message>
        <location filename="../../rubikpi_studio/ui/pages/setup.py" line="-382" />
        <location filename="../../rubikpi_studio/ui/steps.py" line="+30" />
        <source>Check the board</source>
        <translation>检查开发板</translation>
    </message>
    <message>
        <location line="+1" />
        <location filename="../../rubikpi_studio/ui/steps.py" line="+1" />
        <source>Install missing packages</source>
        <translation>安装缺少的软件包</translation>
    </message>
    <message>
        <location line="+1" />
        <location filename="../../rubikpi_studio/ui/steps.py" line="+2" />
        <source>OpenCL headers and loader</source>
        <translation>OpenCL 头文件和加载器库</translation>
    </message>
    <message>
        <location line="+1" />
        <location filename="../../rubikpi_studio/ui/steps.py" line="+2" />
        <location line="+1" />
        <source>Get the llama.cpp source</source>
        <translation>获取 llama.cpp 源代码</translation>
    </message>
    <message>
        <location line="+1" />
        <location filename="../../rubikpi_studio/ui/steps.py" line="+1" />
        <source>Build llama.cpp</source>
        <translation>构建 llama.cpp</translation>
    </message>
    <message>
        <location line="+1" />
        <location filename="../../rubikpi_studio/ui/steps.py" line="+3" />
        <source>Check the build</source>
        <translation>检查构建结果</translation>
    </message>
    <message>
        <location line="+1" />
        <location filename="../../rubikpi_studio/ui/steps.py" line="+2" />
        <source>Add llama.cpp to PATH</source>
        <translation>将 llama.cpp 添加到 PATH</translation>
    </message>
    <message>
        <location filename="../../rubikpi_studio/ui/steps.py" line="-10" />
        <source>Install build dependencies</source>
        <translation>安装构建依赖</translation>
    </message>
    <message>
        <location line="+2" />
        <source>OpenCL headers and ICD loader</source>
        <translation>OpenCL 头文件和 ICD 加载器</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Build llama.cpp (%1, %2)</source>
        <translation>构建 llama.cpp（%1，%2）</translation>
    </message>
    <message>
        <location filename="../../rubikpi_studio/ui/pages/setup.py" line="+275" />
        <location filename="../../rubikpi_studio/ui/steps.py" line="+1" />
        <source>Roll back to the previous build</source>
        <translation>回退到上一次的构建</translation>
    </message>
    <message>
        <location filename="../../rubikpi_studio/ui/steps.py" line="+2" />
        <source>Check the built llama.cpp</source>
        <translation>检查构建好的 llama.cpp</translation>
    </message>
    <message>
        <location filename="../../rubikpi_studio/ui/pages/setup.py" line="+9" />
        <location filename="../../rubikpi_studio/ui/steps.py" line="+2" />
        <source>Remove llama.cpp from PATH</source>
        <translation>从 PATH 中移除 llama.cpp</translation>
    </message>
    <message>
        <location filename="../../rubikpi_studio/ui/steps.py" line="+2" />
        <source>Look up %1</source>
        <translation>查询 %1</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Check free disk space</source>
        <translation>检查可用磁盘空间</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Download %1</source>
        <translation>下载 %1</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Check the input and the disk</source>
        <translation>检查输入文件和磁盘</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Quantize to %1</source>
        <translation>量化为 %1</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Upload %1</source>
        <translation>上传 %1</translation>
    </message>
    <message>
        <location line="+12" />
        <source>Check %1</source>
        <translation>校验 %1</translation>
    </message>
    <message>
        <location line="+33" />
        <source>this is %1, not the RUBIK Pi's aarch64; building anyway</source>
        <translation>这是 %1，不是 RUBIK Pi 的 aarch64；仍继续构建</translation>
    </message>
    <message>
        <location line="+2" />
        <source>only %1 MB RAM: the build will be slow and use a swap file</source>
        <translation>内存只有 %1 MB：构建会较慢，并会使用交换文件</translation>
    </message>
    <message>
        <location line="+3" />
        <source>kernel log: %1 — the Adreno KGSL driver did not start (known boot-order issue %2); update the kernel (sudo apt update &amp;&amp; sudo apt full-upgrade) and reboot</source>
        <translation>内核日志：%1 —— Adreno KGSL 驱动未启动（已知的启动顺序问题 %2）；请更新内核（sudo apt update &amp;&amp; sudo apt full-upgrade）并重启</translation>
    </message>
    <message>
        <location line="+5" />
        <source>Ubuntu Desktop uses the open Freedreno GPU driver, which has no OpenCL; llama.cpp can use the Adreno GPU only with Qualcomm's driver from the server image. To switch: %1</source>
        <translation>Ubuntu 桌面版使用开源的 Freedreno GPU 驱动，它不支持 OpenCL；llama.cpp 只有在服务器镜像的高通驱动下才能使用 Adreno GPU。切换方法：%1</translation>
    </message>
    <message>
        <location line="+4" />
        <source>building with OpenCL as asked, but %1: it will run on the CPU</source>
        <translation>按要求以 OpenCL 构建，但 %1：模型将在 CPU 上运行</translation>
    </message>
    <message>
        <location line="+1" />
        <source>building for the CPU: %1</source>
        <translation>为 CPU 构建：%1</translation>
    </message>
    <message>
        <location line="+3" />
        <source>all needed packages are installed</source>
        <translation>所需的软件包均已安装</translation>
    </message>
    <message>
        <location line="+3" />
        <source>apt-get update failed; trying the install anyway</source>
        <translation>apt-get update 失败；仍尝试安装</translation>
    </message>
    <message>
        <location line="+1" />
        <source>installed %1</source>
        <translation>已安装 %1</translation>
    </message>
    <message>
        <location line="+2" />
        <source>CPU build: OpenCL is not needed</source>
        <translation>CPU 构建：不需要 OpenCL</translation>
    </message>
    <message>
        <location line="+1" />
        <source>already present: %1 and %2</source>
        <translation>已存在：%1 和 %2</translation>
    </message>
    <message>
        <location line="+1" />
        <source>OpenCL headers</source>
        <translation>OpenCL 头文件</translation>
    </message>
    <message>
        <location line="+1" />
        <source>OpenCL ICD loader</source>
        <translation>OpenCL ICD 加载器</translation>
    </message>
    <message>
        <location line="+2" />
        <source>llama.cpp is already at %1</source>
        <translation>llama.cpp 已是 %1</translation>
    </message>
    <message>
        <location line="+1" />
        <source>checked out %1</source>
        <translation>已检出 %1</translation>
    </message>
    <message>
        <location line="+1" />
        <source>cloned %1</source>
        <translation>已克隆 %1</translation>
    </message>
    <message>
        <location line="+1" />
        <source>receiving objects %1%</source>
        <translation>正在接收对象 %1%</translation>
    </message>
    <message>
        <location line="+1" />
        <source>resolving deltas %1%</source>
        <translation>正在处理差异 %1%</translation>
    </message>
    <message>
        <location line="+1" />
        <source>checking out files %1%</source>
        <translation>正在检出文件 %1%</translation>
    </message>
    <message>
        <location line="+1" />
        <source>already built: %1</source>
        <translation>已构建：%1</translation>
    </message>
    <message>
        <location line="+2" />
        <source>found a build made by hand at %1 (%2, GGML_OPENCL=%3)</source>
        <translation>发现手动构建的版本：%1（%2，GGML_OPENCL=%3）</translation>
    </message>
    <message>
        <location line="+2" />
        <source>only %1 MB RAM free and no sudo for a swap file; building with -j1</source>
        <translation>可用内存只有 %1 MB，且没有 sudo 权限创建交换文件；以 -j1 构建</translation>
    </message>
    <message>
        <location line="+2" />
        <source>too little disk for a swap file; building with -j%1</source>
        <translation>磁盘空间不足以创建交换文件；以 -j%1 构建</translation>
    </message>
    <message>
        <location line="+1" />
        <source>compiling (%1/%2)</source>
        <translation>正在编译（%1/%2）</translation>
    </message>
    <message>
        <location line="+1" />
        <source>built %1 in %2 s</source>
        <translation>已构建 %1，用时 %2 秒</translation>
    </message>
    <message>
        <location line="+1" />
        <source>now using %1</source>
        <translation>现在使用 %1</translation>
    </message>
    <message>
        <location line="+2" />
        <source>smoke test with %1</source>
        <translation>用 %1 做冒烟测试</translation>
    </message>
    <message>
        <location line="+6" />
        <source>the GPU is there, but the test run offloaded 0/%1 layers to it: models run on the CPU</source>
        <translation>GPU 存在，但测试运行卸载到 GPU 的层数为 0/%1：模型将在 CPU 上运行</translation>
    </message>
    <message>
        <location line="+4" />
        <source>%1 already has a llama.cpp block</source>
        <translation>%1 中已有 llama.cpp 配置段</translation>
    </message>
    <message>
        <location line="+2" />
        <source>added %1 to PATH in %2 (new terminals; or: source %3)</source>
        <translation>已在 %2 中将 %1 加入 PATH（对新终端生效；或运行：source %3）</translation>
    </message>
    <message>
        <location line="+1" />
        <source>no llama.cpp block in %1</source>
        <translation>%1 中没有 llama.cpp 配置段</translation>
    </message>
    <message>
        <location line="+2" />
        <source>removed the llama.cpp block from %1</source>
        <translation>已从 %1 中移除 llama.cpp 配置段</translation>
    </message>
    <message>
        <location line="+3" />
        <source>The server publishes no sha256 for %1; only its size and GGUF header can be checked.</source>
        <translation>服务器没有公布 %1 的 sha256；只能检查其大小和 GGUF 文件头。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>%1 is already on the board and verified</source>
        <translation>%1 已在开发板上并已校验</translation>
    </message>
    <message>
        <location line="+2" />
        <source>The partial file is larger than %1; starting over.</source>
        <translation>未完成的文件比 %1 还大；重新开始下载。</translation>
    </message>
    <message>
        <location line="+1" />
        <source>%1 needed, %2 free</source>
        <translation>需要 %1，可用 %2</translation>
    </message>
    <message>
        <location line="+2" />
        <source>The size of %1 is not known; %2 is free.</source>
        <translation>%1 的大小未知；可用空间 %2。</translation>
    </message>
    <message>
        <location line="+2" />
        <source>%1; retrying in %2 s (attempt %3 of %4), continuing from %5</source>
        <translation>%1；%2 秒后重试（第 %3 次，共 %4 次），从 %5 处继续</translation>
    </message>
    <message>
        <location line="+1" />
        <source>sha256 %1</source>
        <translation>sha256 %1</translation>
    </message>
    <message>
        <location line="+2" />
        <source>tensor %1 of %2 (%3)</source>
        <translation>张量 %1 / %2（%3）</translation>
    </message>
    <message>
        <location line="+2" />
        <source>ready on port %1</source>
        <translation>已就绪，端口 %1</translation>
    </message>
    <message>
        <location line="+2" />
        <source>OpenCL device: %1</source>
        <translation>OpenCL 设备：%1</translation>
    </message>
    <message>
        <location line="+1" />
        <source>offloaded %1/%2 layers to GPU</source>
        <translation>已将 %1/%2 层卸载到 GPU</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Vision projector loaded</source>
        <translation>视觉投影器已加载</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Listening on %1</source>
        <translation>正在监听 %1</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Running on %1</source>
        <translation>运行于 %1</translation>
    </message>
    <message>
        <location line="+2" />
        <source>llama-server stopped with status %1</source>
        <translation>llama-server 已停止，状态码 %1</translation>
    </message>
    <message>
        <location line="+3" />
        <source>this llama.cpp build has no GPU backend: CPU only</source>
        <translation>此 llama.cpp 构建没有 GPU 后端：仅能使用 CPU</translation>
    </message>
    <message>
        <location line="+1" />
        <source>unknown mode %1 ignored</source>
        <translation>已忽略未知模式 %1</translation>
    </message>
    <message>
        <location line="+2" />
        <source>%1: starting</source>
        <translation>%1：正在开始</translation>
    </message>
    <message>
        <location line="+6" />
        <source>The connection to the board dropped; reconnecting (the job goes on there).</source>
        <translation>与开发板的连接断开了；正在重新连接（任务在开发板上继续运行）。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>The board stopped answering (the connection stalled); reconnecting (the job goes on there).</source>
        <translation>开发板没有响应（连接停滞）；正在重新连接（任务在开发板上继续运行）。</translation>
    </message>
    <message>
        <location line="+4" />
        <source>The board has sent nothing for %1 s; waiting for it (the connection may have stalled).</source>
        <translation>开发板已有 %1 秒没有发来任何数据；正在等待（连接可能停滞了）。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>The board answers again; going on.</source>
        <translation>开发板恢复响应；继续进行。</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Reconnected to the board; following the same job on from where it was.</source>
        <translation>已重新连接开发板；从中断处继续跟进同一任务。</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Re-attached to the download already running on the board; it goes on from there.</source>
        <translation>已重新接上开发板上正在进行的下载；它会从当前进度继续。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Re-attached to the quantization already running on the board; it goes on from there.</source>
        <translation>已重新接上开发板上正在进行的量化；它会从当前进度继续。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Re-attached to the setup already running on the board; it goes on from there.</source>
        <translation>已重新接上开发板上正在进行的安装配置；它会从当前进度继续。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Re-attached to the benchmark already running on the board; it goes on from there.</source>
        <translation>已重新接上开发板上正在进行的基准测试；它会从当前进度继续。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Re-attached to the server already starting on the board.</source>
        <translation>已重新接上开发板上正在启动的服务器。</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Re-attached to the job already running on the board; it goes on from there.</source>
        <translation>已重新接上开发板上正在运行的任务；它会从当前进度继续。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Requantizing %1 to %2: quality suffers.</source>
        <translation>正在将 %1 再次量化为 %2：质量会下降。</translation>
    </message>
    <message>
        <location line="+2" />
        <source>llama-server was running during the benchmark (%1 process(es))</source>
        <translation>测试期间 llama-server 正在运行（%1 个进程）</translation>
    </message>
    <message>
        <location line="+2" />
        <source>the GPU run used no GPU backend (backends: %1)</source>
        <translation>GPU 测试没有使用 GPU 后端（后端：%1）</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Resuming the upload: the board already has %1 of %2 bytes.</source>
        <translation>继续上传：开发板上已有 %1 / %2 字节。</translation>
    </message>
    <message>
        <location line="+4" />
        <source>%1 of %2 · %3/s · %4 left</source>
        <translation>%1 / %2 · %3/s · 剩余 %4</translation>
    </message>
    <message>
        <location line="+1" />
        <source>%1 of %2 · %3/s</source>
        <translation>%1 / %2 · %3/s</translation>
    </message>
    <message>
        <location line="+1" />
        <source>%1 of %2</source>
        <translation>%1 / %2</translation>
    </message>
    <message>
        <location line="-5" />
        <source>upload %1 of %2 MiB</source>
        <translation>上传 %1 / %2 MiB</translation>
    </message>
    <message>
        <location line="-90" />
        <source>built with OpenCL, but llama.cpp found no Adreno GPU (OpenCL devices: %1): no GPU is used, models will run on the CPU</source>
        <translation>已以 OpenCL 构建，但 llama.cpp 没有找到 Adreno GPU（OpenCL 设备：%1）：不使用 GPU，模型将在 CPU 上运行</translation>
    </message>
    <message>
        <location line="+91" />
        <source>download %1 of %2 MiB</source>
        <translation>下载 %1 / %2 MiB</translation>
    </message>
    <message>
        <location line="+5" />
        <source>uploaded</source>
        <translation>已上传</translation>
    </message>
    <message>
        <location line="-53" />
        <source>%1: %2 (%3/%4)</source>
        <translation>%1：%2（%3/%4）</translation>
    </message>
    <message>
        <location line="+3" />
        <source>llama-bench (%1) failed with exit status %2</source>
        <translation>llama-bench（%1）失败，退出状态 %2</translation>
    </message>
    <message>
        <location line="+1" />
        <source>finished</source>
        <translation>已完成</translation>
    </message>
    <message>
        <location line="-139" />
        <location line="+1" />
        <source>Check model, memory and port</source>
        <translation>检查模型、内存和端口</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Start llama-server</source>
        <translation>启动 llama-server</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Start llama-server (run %1)</source>
        <translation>启动 llama-server（第 %1 次）</translation>
    </message>
    <message>
        <location line="+1" />
        <location line="+1" />
        <source>Load the model</source>
        <translation>加载模型</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Ready</source>
        <translation>就绪</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Benchmark</source>
        <translation>性能测试</translation>
    </message>
    <message>
        <location filename="../../rubikpi_studio/ui/widgets.py" line="-242" />
        <source>warning: %1</source>
        <translation>警告：%1</translation>
    </message>
    <message>
        <location line="+2" />
        <source>failed: %1</source>
        <translation>失败：%1</translation>
    </message>
</context>
<context>
    <name>Wizard</name>
    <message>
        <location filename="../../rubikpi_studio/ui/mainwindow.py" line="-2" />
        <source>Setup &amp;wizard…</source>
        <translation>设置向导(&amp;W)…</translation>
    </message>
    <message>
        <location filename="../../rubikpi_studio/ui/wizard.py" line="+675" />
        <location filename="../../rubikpi_studio/ui/wizard_pages/base.py" line="+168" />
        <location filename="../../rubikpi_studio/ui/wizard_pages/model.py" line="+279" />
        <location line="+55" />
        <location filename="../../rubikpi_studio/ui/wizard_pages/server.py" line="+74" />
        <location filename="../../rubikpi_studio/ui/wizard_pages/setup.py" line="+78" />
        <source>Next</source>
        <translation>下一步</translation>
    </message>
    <message>
        <location line="-588" />
        <source>Welcome</source>
        <translation>欢迎</translation>
    </message>
    <message>
        <location line="+14" />
        <source>This wizard connects to your RUBIK Pi 3, installs llama.cpp on it and starts a chat model on its GPU. You will not need a terminal.</source>
        <translation>本向导将连接你的 RUBIK Pi 3，在其上安装 llama.cpp，并在其 GPU 上启动一个对话模型。全程无需使用终端。</translation>
    </message>
    <message>
        <location line="+7" />
        <source>Before you start: the board is powered on, has the Ubuntu image, and is on the same network as this computer (cable or Wi-Fi). You can leave the wizard at any time and continue later from where you were.</source>
        <translation>开始之前：请确认开发板已通电、装有 Ubuntu 镜像，并与本电脑处于同一网络（网线或 Wi-Fi）。你可以随时离开向导，之后从离开的地方继续。</translation>
    </message>
    <message>
        <location line="+12" />
        <source>Find the board</source>
        <translation>查找开发板</translation>
    </message>
    <message>
        <location line="+44" />
        <source>Boards and other SSH servers found on your network. The likely RUBIK Pi is chosen.</source>
        <translation>在你的网络中找到的开发板和其他 SSH 服务器。已选中最可能是 RUBIK Pi 的一项。</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Search again</source>
        <translation>重新搜索</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Scan the local network</source>
        <translation>扫描本地网络</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Tries port 22 on every address of this computer's network, slowly and for at most 15 seconds. Only when you ask.</source>
        <translation>逐个尝试本电脑所在网络中每个地址的 22 端口，速度受限，最多 15 秒。仅在你要求时进行。</translation>
    </message>
    <message>
        <location line="+6" />
        <source>Or type its address:</source>
        <translation>或输入其地址：</translation>
    </message>
    <message>
        <location line="+1" />
        <source>e.g. 192.168.1.253</source>
        <translation>例如 192.168.1.253</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Nothing found? Connect a screen and keyboard to the board (or its USB serial console), sign in, and run &lt;b&gt;ip addr&lt;/b&gt; (or &lt;b&gt;ifconfig&lt;/b&gt;): the address is the &lt;b&gt;inet&lt;/b&gt; number of &lt;b&gt;eth0&lt;/b&gt; or &lt;b&gt;wlan0&lt;/b&gt;, such as 192.168.1.253.</source>
        <translation>没有找到？请给开发板连接显示器和键盘（或使用其 USB 串口控制台），登录后运行 &lt;b&gt;ip addr&lt;/b&gt;（或 &lt;b&gt;ifconfig&lt;/b&gt;）：&lt;b&gt;eth0&lt;/b&gt; 或 &lt;b&gt;wlan0&lt;/b&gt; 的 &lt;b&gt;inet&lt;/b&gt; 后面的数字就是地址，例如 192.168.1.253。</translation>
    </message>
    <message>
        <location line="+15" />
        <source>looks like a RUBIK Pi</source>
        <translation>看起来是 RUBIK Pi</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Ubuntu, maybe a RUBIK Pi</source>
        <translation>Ubuntu，可能是 RUBIK Pi</translation>
    </message>
    <message>
        <location line="+1" />
        <source>another SSH server</source>
        <translation>其他 SSH 服务器</translation>
    </message>
    <message>
        <location line="+1" />
        <source>no SSH answer</source>
        <translation>无 SSH 应答</translation>
    </message>
    <message>
        <location line="+46" />
        <source>Searching…</source>
        <translation>正在搜索…</translation>
    </message>
    <message>
        <location line="+6" />
        <source>No board found yet. Type its address below.</source>
        <translation>尚未找到开发板。请在下方输入其地址。</translation>
    </message>
    <message>
        <location line="+7" />
        <source>{n} found.</source>
        <translation>找到 {n} 个。</translation>
    </message>
    <message>
        <location line="+22" />
        <source>Choose a board or type its address.</source>
        <translation>请选择一块开发板或输入其地址。</translation>
    </message>
    <message>
        <location line="+12" />
        <source>Sign in</source>
        <translation>登录</translation>
    </message>
    <message>
        <location line="+58" />
        <source>This fingerprint is the board's unique identity: the app remembers it and will refuse to connect if it ever changes, so no other machine can pretend to be your board.</source>
        <translation>此指纹是开发板的唯一身份标识：本应用会记住它，一旦它发生变化就拒绝连接，因此其他机器无法冒充你的开发板。</translation>
    </message>
    <message>
        <location line="+6" />
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
        <source>New password</source>
        <translation>新密码</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Repeat it</source>
        <translation>再次输入</translation>
    </message>
    <message>
        <location line="+2" />
        <source>The board asks for a new password before first use (a new board's password is ubuntu). Choose one and keep it safe.</source>
        <translation>开发板要求在首次使用前设置新密码（新开发板的密码是 ubuntu）。请设置一个新密码并妥善保管。</translation>
    </message>
    <message>
        <location line="+7" />
        <source>Remember the password in the system keyring</source>
        <translation>在系统密钥环中记住密码</translation>
    </message>
    <message>
        <location line="+3" />
        <source>No system keyring is available, so the app will ask for the password each time.</source>
        <translation>没有可用的系统密钥环，因此每次连接都会询问密码。</translation>
    </message>
    <message>
        <location line="+6" />
        <source>Checking for a system keyring…</source>
        <translation>正在检查系统密钥环…</translation>
    </message>
    <message>
        <location line="+37" />
        <source>Trust and sign in</source>
        <translation>信任并登录</translation>
    </message>
    <message>
        <location line="+11" />
        <source>Choose the new password.</source>
        <translation>请设置新密码。</translation>
    </message>
    <message>
        <location line="+5" />
        <source>The two new passwords differ.</source>
        <translation>两次输入的新密码不一致。</translation>
    </message>
    <message>
        <location line="+50" />
        <source>Check the board</source>
        <translation>检查开发板</translation>
    </message>
    <message>
        <location line="+33" />
        <source>Reading the board's facts…</source>
        <translation>正在读取开发板信息…</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Board</source>
        <translation>开发板</translation>
    </message>
    <message>
        <location line="+2" />
        <source>System</source>
        <translation>系统</translation>
    </message>
    <message>
        <location line="+4" />
        <location filename="../../rubikpi_studio/ui/wizard_pages/model.py" line="-157" />
        <source>Memory</source>
        <translation>内存</translation>
    </message>
    <message>
        <location line="+1" />
        <location line="+4" />
        <source>{n:.1f} GiB</source>
        <translation>{n:.1f} GiB</translation>
    </message>
    <message>
        <location line="-1" />
        <source>Free disk</source>
        <translation>可用磁盘</translation>
    </message>
    <message>
        <location line="+4" />
        <source>GPU driver (OpenCL)</source>
        <translation>GPU 驱动（OpenCL）</translation>
    </message>
    <message>
        <location line="+1" />
        <source>yes</source>
        <translation>有</translation>
    </message>
    <message>
        <location line="+2" />
        <source>no</source>
        <translation>无</translation>
    </message>
    <message>
        <location line="+3" />
        <source>llama.cpp</source>
        <translation>llama.cpp</translation>
    </message>
    <message>
        <location line="+3" />
        <source>not installed</source>
        <translation>未安装</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Is it a RUBIK Pi?</source>
        <translation>是 RUBIK Pi 吗？</translation>
    </message>
    <message>
        <location line="+1" />
        <source>yes, a RUBIK Pi</source>
        <translation>是，这是 RUBIK Pi</translation>
    </message>
    <message>
        <location line="+2" />
        <source>no: another board (the set-up is made for the RUBIK Pi 3)</source>
        <translation>否：这是其他开发板（本设置是为 RUBIK Pi 3 设计的）</translation>
    </message>
    <message>
        <location line="+36" />
        <source>the OpenCL headers and loader (built from source)</source>
        <translation>OpenCL 头文件和加载器（从源码编译）</translation>
    </message>
    <message>
        <location line="+3" />
        <location line="+19" />
        <source>the llama.cpp source</source>
        <translation>llama.cpp 源码</translation>
    </message>
    <message>
        <location line="-17" />
        <source>llama.cpp built for the GPU (OpenCL)</source>
        <translation>为 GPU（OpenCL）编译的 llama.cpp</translation>
    </message>
    <message>
        <location line="+2" />
        <source>llama.cpp built for the CPU</source>
        <translation>为 CPU 编译的 llama.cpp</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Will install: {what}.</source>
        <translation>将安装：{what}。</translation>
    </message>
    <message>
        <location line="+4" />
        <source>llama.cpp is already installed: the set-up step is skipped.</source>
        <translation>llama.cpp 已安装：将跳过安装步骤。</translation>
    </message>
    <message>
        <location line="+6" />
        <source>the OpenCL headers and loader</source>
        <translation>OpenCL 头文件和加载器</translation>
    </message>
    <message>
        <location line="+7" />
        <source>Already there: {what}.</source>
        <translation>已有：{what}。</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Installing packages uses sudo with the password you signed in with.</source>
        <translation>安装软件包时会使用你登录时的密码执行 sudo。</translation>
    </message>
    <message>
        <location line="+6" />
        <source>Disk: about {total} (an estimate): {build} for llama.cpp and its build, {model} for the model {name}.</source>
        <translation>磁盘：约 {total}（估计值）：llama.cpp 及其编译占 {build}，模型 {name} 占 {model}。</translation>
    </message>
    <message>
        <location line="+13" />
        <source>Disk: about {total} for llama.cpp and its build (an estimate).</source>
        <translation>磁盘：llama.cpp 及其编译约占 {total}（估计值）。</translation>
    </message>
    <message>
        <location line="+7" />
        <source>Time: about {low}–{high} minutes (an estimate: {jobs} compile jobs on {cores} CPU cores). The model download comes after and depends on your network.</source>
        <translation>时间：约 {low}–{high} 分钟（估计值：{cores} 个 CPU 核心上并行 {jobs} 个编译任务）。之后的模型下载时间取决于你的网络。</translation>
    </message>
    <message>
        <location line="+8" />
        <source>Time: about a minute: llama.cpp is built already.</source>
        <translation>时间：约一分钟：llama.cpp 已编译好。</translation>
    </message>
    <message>
        <location line="+4" />
        <source>No Adreno OpenCL driver was found: llama.cpp will run on the CPU (slower). The GPU needs the Ubuntu server image's qcom-adreno1 driver.</source>
        <translation>未找到 Adreno OpenCL 驱动：llama.cpp 将在 CPU 上运行（较慢）。使用 GPU 需要 Ubuntu 服务器镜像中的 qcom-adreno1 驱动。</translation>
    </message>
    <message>
        <location line="+9" />
        <source>Only {free} of disk is free, less than the {need} needed.</source>
        <translation>磁盘仅剩 {free} 可用，少于所需的 {need}。</translation>
    </message>
    <message>
        <location line="+6" />
        <source>Less than 4 GiB of disk is free: a model may not fit.</source>
        <translation>可用磁盘不足 4 GiB：可能放不下模型。</translation>
    </message>
    <message>
        <location line="+10" />
        <location filename="../../rubikpi_studio/ui/wizard_pages/setup.py" line="-43" />
        <source>Set up</source>
        <translation>安装</translation>
    </message>
    <message>
        <location line="+131" />
        <source>Reconnecting to {name}…</source>
        <translation>正在重新连接 {name}…</translation>
    </message>
    <message>
        <location line="+20" />
        <source>The password for {name} is not saved: type it to continue where you left off.</source>
        <translation>{name} 的密码没有保存：请输入密码，从上次离开的地方继续。</translation>
    </message>
    <message>
        <location line="+17" />
        <source>Could not reconnect to {name}: {why}</source>
        <translation>无法重新连接 {name}：{why}</translation>
    </message>
    <message>
        <location filename="../../rubikpi_studio/ui/wizard_pages/setup.py" line="+32" />
        <source>The set-up runs on the board by itself: you may close the wizard or this app, and it continues; reopening the wizard shows it again.</source>
        <translation>安装过程在开发板上独立运行：你可以关闭向导或本应用，安装会继续进行；重新打开向导即可再次查看。</translation>
    </message>
    <message>
        <location line="+6" />
        <source>Password for sudo</source>
        <translation>sudo 密码</translation>
    </message>
    <message>
        <location line="+29" />
        <source>llama.cpp is already built on the board ({version}): nothing to set up.</source>
        <translation>开发板上已构建好 llama.cpp（{version}）：无需设置。</translation>
    </message>
    <message>
        <location line="+45" />
        <source>sudo refused the password. Type the board account's password and try again.</source>
        <translation>sudo 拒绝了该密码。请输入开发板账户的密码后重试。</translation>
    </message>
    <message>
        <location line="+5" />
        <source>Installing packages needs root: type the board account's password for sudo.</source>
        <translation>安装软件包需要 root 权限：请输入开发板账户的密码供 sudo 使用。</translation>
    </message>
    <message>
        <location line="+9" />
        <source>The set-up was cancelled.</source>
        <translation>设置已取消。</translation>
    </message>
    <message>
        <location line="+9" />
        <source>The set-up failed: {why}</source>
        <translation>安装失败：{why}</translation>
    </message>
    <message>
        <location line="+20" />
        <source>llama.cpp {version} is ready and uses the GPU ({device}).</source>
        <translation>llama.cpp {version} 已就绪，并使用 GPU（{device}）。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>llama.cpp {version} is ready; it runs on the CPU: {why}.</source>
        <translation>llama.cpp {version} 已就绪；它在 CPU 上运行：{why}。</translation>
    </message>
    <message>
        <location filename="../../rubikpi_studio/ui/wizard_pages/model.py" line="-45" />
        <source>Pick a model</source>
        <translation>选择模型</translation>
    </message>
    <message>
        <location line="+33" />
        <source>Choose the model to chat with. Sizes are what is downloaded; the board needs the disk and memory shown. The smallest model that fits is chosen for you.</source>
        <translation>选择要对话的模型。大小指下载量；开发板需要所示的磁盘空间和内存。已为你选好能装下的最小模型。</translation>
    </message>
    <message>
        <location line="+8" />
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location line="+1" />
        <location line="+103" />
        <source>Download</source>
        <translation>下载</translation>
    </message>
    <message>
        <location line="-102" />
        <source>Disk needed</source>
        <translation>所需磁盘</translation>
    </message>
    <message>
        <location line="+2" />
        <source>On this board</source>
        <translation>在此开发板上</translation>
    </message>
    <message>
        <location line="+16" />
        <source>Reading what is on the board…</source>
        <translation>正在读取开发板上已有的内容…</translation>
    </message>
    <message>
        <location line="+37" />
        <source>Vision: reads images</source>
        <translation>视觉：可读图片</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Text</source>
        <translation>文本</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Being served</source>
        <translation>正在提供服务</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Downloaded</source>
        <translation>已下载</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Does not fit: not enough memory</source>
        <translation>装不下：内存不足</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Does not fit: not enough free disk</source>
        <translation>装不下：可用磁盘空间不足</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Fits</source>
        <translation>可以运行</translation>
    </message>
    <message>
        <location line="+26" />
        <source>After the download the board converts it to {q} for speed (a few minutes).</source>
        <translation>下载后开发板会将其转换为 {q} 以提高速度（需要几分钟）。</translation>
    </message>
    <message>
        <location line="+15" />
        <source>Choose a model.</source>
        <translation>请选择一个模型。</translation>
    </message>
    <message>
        <location line="+6" />
        <source>This model does not fit the board: {why}</source>
        <translation>此模型不适合该开发板：{why}</translation>
    </message>
    <message>
        <location line="+18" />
        <source>Download and quantize</source>
        <translation>下载并量化</translation>
    </message>
    <message>
        <location line="+25" />
        <location filename="../../rubikpi_studio/ui/wizard_pages/server.py" line="-1" />
        <location filename="../../rubikpi_studio/ui/wizard_pages/setup.py" line="-116" />
        <source>Try again</source>
        <translation>重试</translation>
    </message>
    <message>
        <location line="+27" />
        <source>{name} is already on the board.</source>
        <translation>{name} 已经在开发板上。</translation>
    </message>
    <message>
        <location line="+35" />
        <source>The download was cancelled.</source>
        <translation>下载已取消。</translation>
    </message>
    <message>
        <location line="+6" />
        <source>The download failed: {why}</source>
        <translation>下载失败：{why}</translation>
    </message>
    <message>
        <location line="+11" />
        <source>{name} is on the board.</source>
        <translation>{name} 已在开发板上。</translation>
    </message>
    <message>
        <location filename="../../rubikpi_studio/ui/wizard_pages/server.py" line="-21" />
        <source>Start the server</source>
        <translation>启动服务器</translation>
    </message>
    <message>
        <location line="+110" />
        <source>Starting {name} on the GPU (Adreno, OpenCL) when the llama.cpp build has it.</source>
        <translation>正在启动 {name}：若 llama.cpp 构建支持，则在 GPU（Adreno，OpenCL）上运行。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Starting {name} on the CPU: this board has no Adreno OpenCL driver, so the GPU cannot be used.</source>
        <translation>正在 CPU 上启动 {name}：此开发板没有 Adreno OpenCL 驱动，无法使用 GPU。</translation>
    </message>
    <message>
        <location line="-36" />
        <source>Starting the server was cancelled.</source>
        <translation>已取消启动服务器。</translation>
    </message>
    <message>
        <location line="+11" />
        <source>The server did not start: {why}</source>
        <translation>服务器未能启动：{why}</translation>
    </message>
    <message>
        <location line="+33" />
        <source>The server was already running; the wizard uses it. </source>
        <translation>服务器已在运行，向导直接使用它。</translation>
    </message>
    <message>
        <location line="+5" />
        <source>Running on the GPU: {backend}.</source>
        <translation>在 GPU 上运行：{backend}。</translation>
    </message>
    <message>
        <location line="+5" />
        <source>no usable Adreno GPU (OpenCL) on this board or in this build</source>
        <translation>此开发板或此 llama.cpp 构建中没有可用的 Adreno GPU（OpenCL）</translation>
    </message>
    <message>
        <location line="+4" />
        <source>no Adreno OpenCL device</source>
        <translation>没有 Adreno OpenCL 设备</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Running on the CPU ({why}).</source>
        <translation>在 CPU 上运行（{why}）。</translation>
    </message>
    <message>
        <location filename="../../rubikpi_studio/ui/wizard_pages/chat.py" line="+27" />
        <source>First chat</source>
        <translation>首次对话</translation>
    </message>
    <message>
        <location line="+25" />
        <source>Everything is ready. Ask the model something: the answer appears on the Chat page, where you can go on chatting.</source>
        <translation>一切就绪。向模型提个问题吧：回答会显示在“对话”页面，你可以在那里继续对话。</translation>
    </message>
    <message>
        <location line="+6" />
        <source>Your first question:</source>
        <translation>你的第一个问题：</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Hello! In two sentences, what can you do?</source>
        <translation>你好！请用两句话介绍一下你能做什么？</translation>
    </message>
    <message>
        <location line="+18" />
        <source>Ask</source>
        <translation>提问</translation>
    </message>
    <message>
        <location line="+8" />
        <source>The Chat page is not available in this window.</source>
        <translation>此窗口中没有“对话”页面。</translation>
    </message>
    <message>
        <location line="+14" />
        <source>The Chat page cannot reach the server yet: {why}</source>
        <translation>“对话”页面暂时无法连接到服务器：{why}</translation>
    </message>
    <message>
        <location filename="../../rubikpi_studio/ui/wizard.py" line="+21" />
        <source>Set up your RUBIK Pi</source>
        <translation>设置你的 RUBIK Pi</translation>
    </message>
    <message>
        <location line="+3" />
        <source>{n}. {title}</source>
        <translation>{n}. {title}</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Back</source>
        <translation>上一步</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location filename="../../rubikpi_studio/ui/wizard_pages/base.py" line="+23" />
        <source>{n:.1f} GB</source>
        <translation>{n:.1f} GB</translation>
    </message>
    <message>
        <location line="+4" />
        <source>{n:.0f} MB</source>
        <translation>{n:.0f} MB</translation>
    </message>
</context>
<context>
    <name>duration</name>
    <message>
        <location filename="../../rubikpi_studio/ui/widgets.py" line="-95" />
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
        <source>The board stopped answering: the connection stalled. Work running on the board goes on; try again when the board answers.</source>
        <translation>开发板没有响应：连接停滞了。开发板上正在运行的任务会继续；等开发板恢复响应后再试一次。</translation>
    </message>
    <message>
        <location line="+5" />
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
        <source>The work was stopped on the board before it finished (its processes were killed, or the board restarted). Run it again to continue from where it stopped.</source>
        <translation>开发板上的任务在完成前被终止（进程被杀死，或开发板重启了）。再次运行即可从中断处继续。</translation>
    </message>
    <message>
        <location line="+5" />
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
    <message>
        <location line="+1" />
        <source>The file or repository was not found. Check the link, the file name and the branch.</source>
        <translation>找不到该文件或仓库。请检查链接、文件名和分支。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>The file's sha256 is not the expected one, so it was not kept. Download it again.</source>
        <translation>文件的 sha256 与预期不符，因此未保留该文件。请重新下载。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>The downloaded file does not have the announced size, so it was removed. Download it again.</source>
        <translation>下载的文件大小与服务器公布的不符，已将其删除。请重新下载。</translation>
    </message>
    <message>
        <location line="+4" />
        <source>The file is not a GGUF model. Choose a .gguf file made for llama.cpp.</source>
        <translation>该文件不是 GGUF 模型。请选择适用于 llama.cpp 的 .gguf 文件。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>The GGUF file is incomplete. Download or copy it again.</source>
        <translation>该 GGUF 文件不完整。请重新下载或复制。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>This GGUF version is not supported. Get a newer copy of the model.</source>
        <translation>不支持此 GGUF 版本。请获取该模型的较新版本。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Hugging Face refused the download: the model is gated or private. Request access on its page, then enter an access token on the Models page.</source>
        <translation>Hugging Face 拒绝了下载：该模型受限或为私有。请在模型页面申请访问权限，然后在“模型”页面输入访问令牌。</translation>
    </message>
    <message>
        <location line="+5" />
        <source>The download failed. Check the board's network connection and try again; the part already downloaded is kept.</source>
        <translation>下载失败。请检查开发板的网络连接后重试；已下载的部分会保留。</translation>
    </message>
    <message>
        <location line="+5" />
        <source>Quantization failed. See the log for llama-quantize's message.</source>
        <translation>量化失败。请在日志中查看 llama-quantize 的输出。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>The model is already quantized. Requantizing loses quality; confirm to do it anyway.</source>
        <translation>该模型已经量化过。再次量化会降低质量；如仍要进行，请确认。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Vision projectors (mmproj) cannot be quantized; they stay f16.</source>
        <translation>视觉编码器（mmproj）无法量化，将保持 f16 格式。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>llama.cpp is not installed on the board. Run the setup on the Setup page first.</source>
        <translation>开发板上尚未安装 llama.cpp。请先在“安装”页面完成安装。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>The model is being served. Stop the server first.</source>
        <translation>服务器正在使用该模型。请先停止服务器。</translation>
    </message>
    <message>
        <location line="+1" />
        <source>A model with that name is already on the board. Delete or rename it first.</source>
        <translation>开发板上已有同名模型。请先删除或重命名它。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>This is not a model link the app understands. Paste a Hugging Face link or owner/repo/file.gguf.</source>
        <translation>无法识别该模型链接。请粘贴 Hugging Face 链接或 owner/repo/file.gguf。</translation>
    </message>
    <message>
        <location line="+4" />
        <source>The app's model catalogue could not be read. Reinstall the app.</source>
        <translation>无法读取应用的模型目录。请重新安装本应用。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>The model file is not on the board. Choose another model.</source>
        <translation>开发板上没有该模型文件。请选择其他模型。</translation>
    </message>
    <message>
        <location line="+1" />
        <source>The model server could not be started.</source>
        <translation>无法启动模型服务器。</translation>
    </message>
    <message>
        <location line="+1" />
        <source>The extra flags are not valid. Correct or remove them.</source>
        <translation>额外参数无效。请修改或删除它们。</translation>
    </message>
    <message>
        <location line="+1" />
        <source>The port is already in use on the board. Choose another port or stop the program using it.</source>
        <translation>开发板上的该端口已被占用。请换一个端口，或停止占用它的程序。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>The model and its context do not fit in the board's free memory. Choose a smaller model or a shorter context, or close other programs.</source>
        <translation>开发板的可用内存放不下该模型及其上下文。请选择更小的模型或更短的上下文，或关闭其他程序。</translation>
    </message>
    <message>
        <location line="+5" />
        <source>The model file is missing on the board or is not a usable GGUF file. Choose another model.</source>
        <translation>开发板上缺少该模型文件，或它不是可用的 GGUF 文件。请选择其他模型。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>llama-server is not installed on the board. Run the setup on the Setup page first.</source>
        <translation>开发板上未安装 llama-server。请先在“安装”页面完成安装。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>A model server is already running on the board. Stop it first.</source>
        <translation>开发板上已有模型服务器在运行。请先停止它。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>The model server stopped and was not restarted. See the server log.</source>
        <translation>模型服务器已停止，且未能重启。请查看服务器日志。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>llama-server stopped while loading the model. See the server log; a smaller model or context may help.</source>
        <translation>llama-server 在加载模型时停止了。请查看服务器日志；换用更小的模型或上下文可能会有帮助。</translation>
    </message>
    <message>
        <location line="+5" />
        <source>llama-server kept stopping, so it is no longer restarted. See the server log.</source>
        <translation>llama-server 反复停止，已不再自动重启。请查看服务器日志。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>The board does not run systemd, so the server cannot start at boot. Start it from the app instead.</source>
        <translation>开发板未运行 systemd，因此服务器无法开机自启。请改为在本应用中启动。</translation>
    </message>
    <message>
        <location line="+4" />
        <source>The GPU cannot be used, so the model runs on the CPU.</source>
        <translation>无法使用 GPU，模型将在 CPU 上运行。</translation>
    </message>
    <message>
        <location line="+1" />
        <source>The chat with the model failed.</source>
        <translation>与模型的对话失败。</translation>
    </message>
    <message>
        <location line="+1" />
        <source>The model server cannot be reached. Check that it runs on the Server page.</source>
        <translation>无法连接到模型服务器。请在“服务器”页面确认它正在运行。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>The model server refused the API key. Check the key.</source>
        <translation>模型服务器拒绝了该 API 密钥。请检查密钥。</translation>
    </message>
    <message>
        <location line="+1" />
        <source>The model server needs an API key. Enter it.</source>
        <translation>模型服务器需要 API 密钥。请输入密钥。</translation>
    </message>
    <message>
        <location line="+1" />
        <source>The model server is still loading the model. Try again in a moment.</source>
        <translation>模型服务器仍在加载模型。请稍后再试。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>The model server answered with an error. See the server log.</source>
        <translation>模型服务器返回了错误。请查看服务器日志。</translation>
    </message>
    <message>
        <location line="+1" />
        <source>The conversation is too long for the model's context. Start a new one or use a longer context.</source>
        <translation>对话超出了模型的上下文长度。请开始新的对话，或使用更长的上下文。</translation>
    </message>
    <message>
        <location line="+4" />
        <source>The served model does not take images. Serve a model with a vision projector.</source>
        <translation>当前服务的模型不支持图像。请启动带视觉编码器的模型。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>The answer was interrupted. What arrived is kept; ask the model to continue.</source>
        <translation>回答被中断。已收到的内容会保留；可以让模型继续回答。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>The model server sent something unexpected. Try again, or restart the server.</source>
        <translation>模型服务器返回了意外的内容。请重试，或重启服务器。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>This file is not an image the model can take. Use a PNG, JPEG, GIF, BMP or WebP image.</source>
        <translation>该文件不是模型可以接收的图像。请使用 PNG、JPEG、GIF、BMP 或 WebP 图像。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>The chat history could not be read or saved. Check the free disk space on this computer.</source>
        <translation>无法读取或保存对话记录。请检查本机的可用磁盘空间。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>llama-bench is not installed on the board. Run the setup on the Setup page first.</source>
        <translation>开发板上未安装 llama-bench。请先在“安装”页面完成安装。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>The benchmark produced no results. See the log.</source>
        <translation>基准测试没有产生结果。请查看日志。</translation>
    </message>
    <message>
        <location line="+1" />
        <source>The setup stopped. See the log for the failed step.</source>
        <translation>安装已停止。请在日志中查看失败的步骤。</translation>
    </message>
    <message>
        <location line="+1" />
        <source>This step needs root. Enter the board account's password for sudo.</source>
        <translation>此步骤需要 root 权限。请输入开发板账户的 sudo 密码。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>A command on the board did not finish in time. Check that the board is not overloaded and try again.</source>
        <translation>开发板上的命令未在规定时间内完成。请确认开发板没有过载后重试。</translation>
    </message>
    <message>
        <location line="+5" />
        <source>A script on the board does not match the app's copy, so it was not run. Try again; the app sends it anew.</source>
        <translation>开发板上的脚本与本应用的副本不一致，因此未运行。请重试；本应用会重新发送脚本。</translation>
    </message>
    <message>
        <location line="+5" />
        <source>The board's clock is wrong, so downloads would fail. Set the date on the board (sudo timedatectl set-ntp true) and try again.</source>
        <translation>开发板的时钟不正确，会导致下载失败。请在开发板上校正日期（sudo timedatectl set-ntp true）后重试。</translation>
    </message>
    <message>
        <location line="+5" />
        <source>Installing the required packages failed. See the log; 'sudo apt --fix-broken install' on the board may help.</source>
        <translation>安装所需软件包失败。请查看日志；在开发板上运行 'sudo apt --fix-broken install' 可能会有帮助。</translation>
    </message>
    <message>
        <location line="+5" />
        <source>The board cannot reach the llama.cpp source. Check the board's network, DNS, proxy and clock.</source>
        <translation>开发板无法访问 llama.cpp 源代码。请检查开发板的网络、DNS、代理和时钟。</translation>
    </message>
    <message>
        <location line="+4" />
        <source>That llama.cpp version (commit or tag) does not exist. Check it, or leave the field empty.</source>
        <translation>该 llama.cpp 版本（提交或标签）不存在。请检查，或将此项留空。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>The llama.cpp source folder on the board cannot be used. See the log; move the folder away and try again.</source>
        <translation>开发板上的 llama.cpp 源代码目录无法使用。请查看日志；将该目录移走后重试。</translation>
    </message>
    <message>
        <location line="+5" />
        <source>The OpenCL headers or loader are missing on the board. Run the whole setup again.</source>
        <translation>开发板上缺少 OpenCL 头文件或加载器库。请重新运行完整安装。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>CMake could not configure llama.cpp. See the log.</source>
        <translation>CMake 无法配置 llama.cpp。请查看日志。</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Building failed. See the log for the first error.</source>
        <translation>构建失败。请在日志中查看第一个错误。</translation>
    </message>
    <message>
        <location line="+1" />
        <source>There is no previous llama.cpp build to go back to.</source>
        <translation>没有可以回退的旧版 llama.cpp 构建。</translation>
    </message>
    <message>
        <location line="+1" />
        <source>llama.cpp has not been built on the board yet. Run the setup.</source>
        <translation>开发板上尚未构建 llama.cpp。请运行安装。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>The new llama.cpp build does not run. See the log.</source>
        <translation>新构建的 llama.cpp 无法运行。请查看日志。</translation>
    </message>
    <message>
        <location line="+1" />
        <source>The test model cannot be read on the board.</source>
        <translation>无法在开发板上读取测试模型。</translation>
    </message>
    <message>
        <location line="+1" />
        <source>The new llama.cpp build could not generate text. See the log.</source>
        <translation>新构建的 llama.cpp 无法生成文本。请查看日志。</translation>
    </message>
</context>
</TS>