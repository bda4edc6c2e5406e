<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>ExceptionHook</name>
    <message>
        <location filename="../../rubikpi_studio/ui/app.py" line="+156"/>
        <source>Something unexpected went wrong. The app can keep running.</source>
        <translation>发生了意外错误。应用可以继续运行。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>The details are in the log file. Please include them if you report this.</source>
        <translation>详细信息已写入日志文件。报告问题时请附上这些信息。</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../rubikpi_studio/ui/mainwindow.py" line="+56"/>
        <source>Not connected</source>
        <translation>未连接</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Connecting…</source>
        <translation>正在连接…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Connected</source>
        <translation>已连接</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Connection failed</source>
        <translation>连接失败</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Server: unknown</source>
        <translation>服务器：状态未知</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Server: stopped</source>
        <translation>服务器：已停止</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Server: starting…</source>
        <translation>服务器：正在启动…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Server: running</source>
        <translation>服务器：运行中</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Server: failed</source>
        <translation>服务器：出错</translation>
    </message>
    <message>
        <location line="+157"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Go</source>
        <translation>转到(&amp;G)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Follow the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;About RUBIK Pi Studio</source>
        <translation>关于 RUBIK Pi Studio(&amp;A)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>About &amp;Qt</source>
        <translation>关于 Qt(&amp;Q)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>%1 (Ctrl+%2)</source>
        <translation>%1（Ctrl+%2）</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Pages</source>
        <translation>页面</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Board: %1</source>
        <translation>开发板：%1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>No board</source>
        <translation>未选择开发板</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>The active board</source>
        <translation>当前使用的开发板</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The SSH connection to the active board</source>
        <translation>与当前开发板的 SSH 连接</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>llama-server on the active board</source>
        <translation>当前开发板上的 llama-server</translation>
    </message>
    <message>
        <location line="+63"/>
        <source>About RUBIK Pi Studio</source>
        <translation>关于 RUBIK Pi Studio</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Version %1</source>
        <translation>版本 %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Sets up llama.cpp on a RUBIK Pi 3 board, manages its models, runs the server and chats with it, all over SSH from this computer.</source>
        <translation>在 RUBIK Pi 3 开发板上安装 llama.cpp、管理模型、运行服务器并与模型对话——全部在这台电脑上通过 SSH 完成。</translation>
    </message>
</context>
<context>
    <name>Page</name>
    <message>
        <location filename="../../rubikpi_studio/ui/app.py" line="+128"/>
        <location filename="../../rubikpi_studio/ui/pages/base.py" line="+194"/>
        <source>Board</source>
        <translation>开发板</translation>
    </message>
    <message>
        <location filename="../../rubikpi_studio/ui/pages/base.py" line="+8"/>
        <source>Setup</source>
        <translation>安装</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Models</source>
        <translation>模型</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Server</source>
        <translation>服务器</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Chat</source>
        <translation>对话</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Benchmark</source>
        <translation>性能测试</translation>
    </message>
</context>
<context>
    <name>PlaceholderPage</name>
    <message>
        <location line="-8"/>
        <source>Connecting to a board is not available in this build yet.</source>
        <translation>此版本尚不支持连接开发板。</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>This page is not available in this build yet.</source>
        <translation>此版本尚未提供此页面。</translation>
    </message>
    <message>
        <location line="+53"/>
        <source>Connect to a board first.</source>
        <translation>请先连接开发板。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Go to the Board page</source>
        <translation>转到“开发板”页面</translation>
    </message>
</context>
<context>
    <name>StepList</name>
    <message>
        <location filename="../../rubikpi_studio/ui/widgets.py" line="+385"/>
        <source>This step: about %1 left</source>
        <translation>当前步骤：约剩 %1</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Overall: about %1 left</source>
        <translation>总计：约剩 %1</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Overall progress</source>
        <translation>总进度</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Stop the running operation</source>
        <translation>停止正在进行的操作</translation>
    </message>
</context>
<context>
    <name>duration</name>
    <message>
        <location line="-304"/>
        <source>%1 s</source>
        <translation>%1 秒</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>%1 min %2 s</source>
        <translation>%1 分 %2 秒</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>%1 h %2 min</source>
        <translation>%1 小时 %2 分</translation>
    </message>
</context>
<context>
    <name>errors</name>
    <message>
        <location filename="../../rubikpi_studio/ui/i18n.py" line="+44"/>
        <source>Something went wrong.</source>
        <translation>出错了。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The request is not valid.</source>
        <translation>请求无效。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The board cannot be reached.</source>
        <translation>无法连接到开发板。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The board refused the connection. Check that SSH runs on it and that the port is right.</source>
        <translation>开发板拒绝了连接。请确认开发板上的 SSH 服务正在运行，且端口正确。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The board did not answer in time. Check that it is powered on and on the same network.</source>
        <translation>开发板没有及时响应。请确认它已通电，并与本机在同一网络中。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The board&apos;s name could not be found. Try its IP address instead.</source>
        <translation>找不到开发板的主机名。请改用它的 IP 地址。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Something answered on that port, but it is not an SSH server.</source>
        <translation>该端口有响应，但不是 SSH 服务器。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The connection to the board was lost.</source>
        <translation>与开发板的连接已断开。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The network is unreachable.</source>
        <translation>网络不可达。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The board refused the login.</source>
        <translation>开发板拒绝了登录。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Wrong user name or password.</source>
        <translation>用户名或密码错误。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The board did not accept the key.</source>
        <translation>开发板不接受该密钥。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The key is protected by a passphrase. Enter it.</source>
        <translation>该密钥受口令保护，请输入口令。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Wrong passphrase for the key.</source>
        <translation>密钥口令错误。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The board offers no login method the app can use.</source>
        <translation>开发板没有提供本应用可用的登录方式。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Enter the password to sign in.</source>
        <translation>请输入密码以登录。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The board requires a new password before it runs any command.</source>
        <translation>开发板要求先设置新密码，才能运行任何命令。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The board&apos;s identity (its host key) is not known yet.</source>
        <translation>尚不认识这块开发板的身份（主机密钥）。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The board&apos;s identity (its host key) changed since the last connection. The board may have been reinstalled, or someone may be intercepting the connection. The app will not connect.</source>
        <translation>自上次连接以来，开发板的身份（主机密钥）已改变。可能是开发板重装了系统，也可能有人在拦截连接。本应用不会连接。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>sudo refused the password.</source>
        <translation>sudo 拒绝了该密码。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A command on the board failed.</source>
        <translation>开发板上的一条命令执行失败。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Cancelled.</source>
        <translation>已取消。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>There is not enough free disk space.</source>
        <translation>磁盘剩余空间不足。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A file transfer failed.</source>
        <translation>文件传输失败。</translation>
    </message>
</context>
</TS>
