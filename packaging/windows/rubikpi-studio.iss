; Inno Setup 6 script: per-user installer for RUBIK Pi Studio (no administrator rights, no UAC prompt).
; Built by packaging/build.py (inno), which passes the defines below:
;   iscc /DAppVersion=0.1.0 /DBundleDir=dist\rubikpi-studio /DOutputDir=dist /DAppIcon=...\app.ico rubikpi-studio.iss

#ifndef AppVersion
  #error Pass /DAppVersion=<version> (packaging/build.py does)
#endif
#ifndef BundleDir
  #error Pass /DBundleDir=<PyInstaller one-folder bundle>
#endif
#ifndef OutputDir
  #define OutputDir "."
#endif

[Setup]
; A fixed AppId: upgrades replace the installed version in place instead of installing beside it.
AppId={{6F0B6E2A-3C1D-4B8E-9A51-2D7C4E8F1A93}
AppName=RUBIK Pi Studio
AppVersion={#AppVersion}
AppVerName=RUBIK Pi Studio {#AppVersion}
AppPublisher=RUBIK Pi Studio developers
; Per user: %LOCALAPPDATA%\Programs\RUBIK Pi Studio, Start menu entry in the user's own menu.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
DefaultDirName={autopf}\RUBIK Pi Studio
DefaultGroupName=RUBIK Pi Studio
DisableProgramGroupPage=yes
OutputDir={#OutputDir}
OutputBaseFilename=RUBIK-Pi-Studio-{#AppVersion}-windows-x64-setup
ArchitecturesAllowed=x64
ArchitecturesInstallIn64BitMode=x64
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
UninstallDisplayName=RUBIK Pi Studio {#AppVersion}
UninstallDisplayIcon={app}\rubikpi-studio.exe
#ifdef AppIcon
SetupIconFile={#AppIcon}
#endif

[Languages]
Name: "en"; MessagesFile: "compiler:Default.isl"
; Inno Setup ships Chinese (Simplified) as an unofficial translation; add it here when the CI image has it.

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; Files of an older version that this one no longer ships (the bundle's layout changes between versions).
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\RUBIK Pi Studio"; Filename: "{app}\rubikpi-studio.exe"
Name: "{autodesktop}\RUBIK Pi Studio"; Filename: "{app}\rubikpi-studio.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\rubikpi-studio.exe"; Description: "{cm:LaunchProgram,RUBIK Pi Studio}"; Flags: nowait postinstall skipifsilent
