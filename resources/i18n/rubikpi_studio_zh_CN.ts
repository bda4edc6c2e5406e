<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
<context>
    <name />
    <message>
        <location filename="../../rubikpi_studio/ui/pages/models.py" line="+110" />
        <source>Quantize a model</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+3" />
        <source>Pure: every weight matrix in the same type (fast on the GPU)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+2" />
        <source>Delete the source file afterwards</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+11" />
        <source>Source</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+1" />
        <source>Type</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+1" />
        <source>Output</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+4" />
        <source>Quantize</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+1" />
        <location line="+171" />
        <location line="+431" />
        <source>Cancel</source>
        <translation type="unfinished">取消</translation>
    </message>
    <message>
        <location line="-446" />
        <source>Models</source>
        <translation type="unfinished">模型</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Get a model</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+2" />
        <location filename="../../rubikpi_studio/ui/pages/server.py" line="+199" />
        <location line="+35" />
        <source>Model</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+0" />
        <source>Kind</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+0" />
        <location line="+19" />
        <source>Parameters</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="-19" />
        <location line="+7" />
        <source>Download</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="-7" />
        <source>Memory</source>
        <translation type="unfinished">内存</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Fits the board</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+2" />
        <source>Quantize as recommended after the download</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+1" />
        <source>Download to the board</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+2" />
        <source>Or paste a Hugging Face link or owner/repo/file.gguf, then press Download</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+3" />
        <source>Download from</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+1" />
        <source>Hugging Face or a mirror such as https://hf-mirror.com</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+1" />
        <source>Access token…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+1" />
        <source>A Hugging Face token for gated models, kept in the system keyring</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+2" />
        <source>On the board</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+3" />
        <source>File</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+1" />
        <source>Size</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+1" />
        <source>Architecture</source>
        <translation type="unfinished">架构</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Quantization</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+1" />
        <location filename="../../rubikpi_studio/ui/pages/server.py" line="+1" />
        <source>Context</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+1" />
        <source>Notes</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+3" />
        <location filename="../../rubikpi_studio/ui/pages/server.py" line="-23" />
        <source>Refresh</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+1" />
        <source>Quantize…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+1" />
        <source>Delete…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+1" />
        <source>Upload from this computer…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+87" />
        <source>connect to check</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+2" />
        <source>no:</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+2" />
        <location filename="../../rubikpi_studio/ui/pages/server.py" line="+57" />
        <source>yes</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+1" />
        <source>vision (with image projector)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+0" />
        <source>text</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+22" />
        <source>unfinished transfer: downloading it again continues it</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+3" />
        <source>vision projector for %s</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+2" />
        <source>vision projector (no matching model here)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+3" />
        <source>images with %s</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+2" />
        <source>being served</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+18" />
        <source>free</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+2" />
        <source>Connect to a board on the Board page to see and add its models.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+55" />
        <source>Hugging Face access token</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+1" />
        <source>Token for %s (leave empty to remove it):</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+11" />
        <source>Access token saved.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+0" />
        <source>Access token removed.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+40" />
        <source>Downloading %s</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+22" />
        <source>Starting…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+10" />
        <source>Cancelled.</source>
        <translation type="unfinished">已取消。</translation>
    </message>
    <message>
        <location line="+15" />
        <source>Stopping…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+18" />
        <source>Looking up the file…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+1" />
        <source>Checking free disk space…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+1" />
        <source>Checking the sha256 of the download…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+1" />
        <source>Checking the input and the disk…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+7" />
        <source>%s of %s · no data, retrying in %d s</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+5" />
        <source>%s of %s</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+5" />
        <source>%s left</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+50" />
        <source>%s is already quantized (%s). Requantizing loses quality. Quantize it anyway?</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+2" />
        <source>Requantize</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+8" />
        <source>Quantizing %s to %s</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+33" />
        <source>Delete %s (%s) from the board? This cannot be undone.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+2" />
        <source>Delete</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+4" />
        <source>Deleted %s.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+5" />
        <source>Upload a GGUF model</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+0" />
        <source>GGUF models (*.gguf)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+10" />
        <source>Uploading %s</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+10" />
        <source>%d s</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+2" />
        <source>%d min %02d s</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+1" />
        <source>%d h %02d min</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../../rubikpi_studio/ui/pages/server.py" line="-73" />
        <source>Model server</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+1" />
        <source>What to serve</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+3" />
        <source>Vision projector</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+1" />
        <source>Run on</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+1" />
        <source>Context (tokens)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+1" />
        <source>Port on the board</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+1" />
        <source>Network</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+1" />
        <source>Extra flags</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+10" />
        <source>GPU (Adreno, OpenCL)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+1" />
        <source>CPU</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+3" />
        <location line="+2" />
        <source>None (text only)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+1" />
        <source>Share on my network (with an API key)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+2" />
        <source>Other devices on your network can use the model with the key shown here. Off: only this app.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+3" />
        <source>Start</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+1" />
        <source>Stop</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+1" />
        <source>Restart</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+1" />
        <source>Loading</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+1" />
        <source>Running</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+2" />
        <source>Runs on</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+3" />
        <source>URL for this app</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+1" />
        <source>URL for other devices</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+1" />
        <source>API key</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+4" />
        <source>Server log</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+6" />
        <source>Connect to a board first.</source>
        <translation type="unfinished">请先连接开发板。</translation>
    </message>
    <message>
        <location line="+2" />
        <source>No model is being served.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+2" />
        <source>Serving {model} on port {port}.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+4" />
        <source>It was started outside the app; Stop ends it.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+2" />
        <source>Loading the model…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+2" />
        <location line="+238" />
        <source>The server stopped and is being restarted…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="-236" />
        <source>The server failed: {why}</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+4" />
        <source>unknown (not started by the app)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+3" />
        <source>no</source>
        <translation type="unfinished">无</translation>
    </message>
    <message>
        <location line="+1" />
        <source>{n} tokens, {slots} slot(s), images: {vision}</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+4" />
        <source>not shared</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+122" />
        <source>Choose a model first (put GGUF files in ~/dev/llm/models).</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+9" />
        <source>Check model, memory and port</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+1" />
        <source>Start llama-server</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+1" />
        <source>Load the model</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location line="+1" />
        <source>Ready</source>
        <translation type="unfinished" />
    </message>
</context>
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
        <location filename="../../rubikpi_studio/ui/app.py" line="+158" />
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
        <location line="+172" />
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
        <location filename="../../rubikpi_studio/ui/app.py" line="+134" />
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
        <location filename="../../rubikpi_studio/ui/pages/models.py" line="-637" />
        <source>Models</source>
        <translation>模型</translation>
    </message>
    <message>
        <location line="+1" />
        <location filename="../../rubikpi_studio/ui/pages/server.py" line="-337" />
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
    <name>SettingsDialog</name>
    <message>
        <location filename="../../rubikpi_studio/ui/mainwindow.py" line="-105" />
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
        <location line="+35" />
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
    <name>Wizard</name>
    <message>
        <location filename="../../rubikpi_studio/ui/mainwindow.py" line="-2" />
        <source>Setup &amp;wizard…</source>
        <translation>设置向导(&amp;W)…</translation>
    </message>
    <message>
        <location filename="../../rubikpi_studio/ui/wizard.py" line="+122" />
        <location line="+479" />
        <source>Next</source>
        <translation>下一步</translation>
    </message>
    <message>
        <location line="-456" />
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
        <location line="+5" />
        <source>No board found yet. Type its address below.</source>
        <translation>尚未找到开发板。请在下方输入其地址。</translation>
    </message>
    <message>
        <location line="+4" />
        <source>{n} found.</source>
        <translation>找到 {n} 个。</translation>
    </message>
    <message>
        <location line="+19" />
        <source>Choose a board or type its address.</source>
        <translation>请选择一块开发板或输入其地址。</translation>
    </message>
    <message>
        <location line="+11" />
        <source>Sign in</source>
        <translation>登录</translation>
    </message>
    <message>
        <location line="+51" />
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
        <location line="+18" />
        <source>Trust and sign in</source>
        <translation>信任并登录</translation>
    </message>
    <message>
        <location line="+10" />
        <source>Choose the new password.</source>
        <translation>请设置新密码。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>The two new passwords differ.</source>
        <translation>两次输入的新密码不一致。</translation>
    </message>
    <message>
        <location line="+49" />
        <source>Check the board</source>
        <translation>检查开发板</translation>
    </message>
    <message>
        <location line="+32" />
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
        <location line="+15" />
        <source>llama.cpp is already installed: the set-up step is skipped.</source>
        <translation>llama.cpp 已安装：将跳过安装步骤。</translation>
    </message>
    <message>
        <location line="+6" />
        <source>Will install: build tools (cmake, ninja, a compiler) with apt, the OpenCL headers, and llama.cpp built for the board. About 1.5 GB of disk and 20–40 minutes.</source>
        <translation>将安装：通过 apt 安装构建工具（cmake、ninja、编译器）、OpenCL 头文件，并为开发板编译 llama.cpp。约占 1.5 GB 磁盘，耗时 20–40 分钟。</translation>
    </message>
    <message>
        <location line="+8" />
        <source>Installing packages uses sudo with the password you signed in with.</source>
        <translation>安装软件包时会使用你登录时的密码执行 sudo。</translation>
    </message>
    <message>
        <location line="+6" />
        <source>No Adreno OpenCL driver was found: llama.cpp will run on the CPU (slower). The GPU needs the Ubuntu server image's qcom-adreno1 driver.</source>
        <translation>未找到 Adreno OpenCL 驱动：llama.cpp 将在 CPU 上运行（较慢）。使用 GPU 需要 Ubuntu 服务器镜像中的 qcom-adreno1 驱动。</translation>
    </message>
    <message>
        <location line="+8" />
        <source>Less than 4 GiB of disk is free: a model may not fit.</source>
        <translation>可用磁盘不足 4 GiB：可能放不下模型。</translation>
    </message>
    <message>
        <location line="+10" />
        <location line="+8" />
        <source>Set up</source>
        <translation>安装</translation>
    </message>
    <message>
        <location line="+21" />
        <source>The set-up runs on the board by itself: you may close the wizard or this app, and it continues; reopening the wizard shows it again.</source>
        <translation>安装过程在开发板上独立运行：你可以关闭向导或本应用，安装会继续进行；重新打开向导即可再次查看。</translation>
    </message>
    <message>
        <location line="+41" />
        <source>The set-up failed: {why}</source>
        <translation>安装失败：{why}</translation>
    </message>
    <message>
        <location line="+23" />
        <source>This step is not part of the wizard in this build yet. Use the Models, Server and Chat pages of the main window for now.</source>
        <translation>此版本的向导尚未包含这一步。目前请使用主窗口的“模型”“服务器”和“对话”页面。</translation>
    </message>
    <message>
        <location line="+10" />
        <source>Pick a model</source>
        <translation>选择模型</translation>
    </message>
    <message>
        <location line="+5" />
        <source>Download and quantize</source>
        <translation>下载并量化</translation>
    </message>
    <message>
        <location line="+5" />
        <source>Start the server</source>
        <translation>启动服务器</translation>
    </message>
    <message>
        <location line="+5" />
        <source>First chat</source>
        <translation>首次对话</translation>
    </message>
    <message>
        <location line="+108" />
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
        <location line="+45" />
        <source>Finish</source>
        <translation>完成</translation>
    </message>
</context>
<context>
    <name>duration</name>
    <message>
        <location filename="../../rubikpi_studio/ui/widgets.py" line="-304" />
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