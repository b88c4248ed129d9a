; Inno Setup script for the station app (per-machine install).
; Build on Windows after `pyinstaller build.spec`:
;   iscc /DAppVersion=0.1.0 packaging\windows\labor-station.iss
; Output: dist\installer\labor-station-setup-<version>.exe
;
; The station's data lives in each user's data folder (%LOCALAPPDATA%\GulouHRSS\LaborStation), never
; in the program folder: installing a newer version over the old one replaces only the program, and
; the app migrates the data at the next login after an automatic encrypted backup. The uninstaller
; removes the program and shortcuts and leaves the station's data in place.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif

[Setup]
AppId={{5B0C6C62-5D5E-4C59-9A0B-6B1C9C1F2E47}
AppName=劳动关系服务站
AppVersion={#AppVersion}
AppPublisher=福州市鼓楼区人力资源和社会保障局
DefaultDirName={autopf}\LaborStation
DefaultGroupName=劳动关系服务站
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist\installer
OutputBaseFilename=labor-station-setup-{#AppVersion}
SetupIconFile=..\..\resources\icons\labor-station.ico
UninstallDisplayIcon={app}\labor-station.exe
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes
; the same AppId makes a newer installer upgrade in place

[Languages]
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"

[Tasks]
Name: "desktopicon"; Description: "创建桌面快捷方式"; GroupDescription: "附加任务:"

[Files]
Source: "..\..\dist\labor-station\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; an upgrade must not leave libraries of the old version beside the new ones
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{group}\劳动关系服务站"; Filename: "{app}\labor-station.exe"
Name: "{group}\劳动关系服务站自检"; Filename: "{cmd}"; Parameters: "/k ""{app}\labor-station-cli.exe"" selftest"
Name: "{group}\卸载劳动关系服务站"; Filename: "{uninstallexe}"
Name: "{autodesktop}\劳动关系服务站"; Filename: "{app}\labor-station.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\labor-station.exe"; Description: "启动劳动关系服务站"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; only what the program itself created in its folder; the data folder is not touched
Type: filesandordirs; Name: "{app}\_internal\__pycache__"
