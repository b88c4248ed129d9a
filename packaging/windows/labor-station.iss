; Inno Setup 6.4 script for the station app (per-machine install). UTF-8 with BOM (ISCC reads a
; file without one in the ANSI code page).
; On Linux: packaging/windows/build_installer.sh builds the bundle under Wine, compiles this and
; tests the installer. On a Windows PC, after `pyinstaller build.spec`:
;   iscc /DAppVersion=0.1.0 packaging\windows\labor-station.iss
; Output: dist\labor-station-setup-<version>.exe
; Defines: AppVersion, BundleDir (the one-folder bundle; default dist\labor-station), Compression.
;
; The station's data lives in each user's data folder (%LOCALAPPDATA%\GulouHRSS\LaborStation), never
; in the program folder: installing a newer version over the old one replaces only the program, and
; the app migrates the data at the next login after an automatic encrypted backup. The uninstaller
; removes the program and shortcuts, leaves the station's data in place and says so.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#ifndef BundleDir
  #define BundleDir "..\..\dist\labor-station"
#endif
#ifndef Compression
  #define Compression "lzma2/max"
#endif

[Setup]
AppId={{5B0C6C62-5D5E-4C59-9A0B-6B1C9C1F2E47}
AppName=劳动关系服务站
AppVersion={#AppVersion}
AppVerName=劳动关系服务站 {#AppVersion}
AppPublisher=福州市鼓楼区人力资源和社会保障局
VersionInfoVersion={#AppVersion}
VersionInfoDescription=劳动关系服务站 安装程序
DefaultDirName={autopf}\LaborStation
DefaultGroupName=劳动关系服务站
DisableProgramGroupPage=yes
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\..\dist
OutputBaseFilename=labor-station-setup-{#AppVersion}
SetupIconFile=..\..\resources\icons\labor-station.ico
UninstallDisplayIcon={app}\labor-station.exe
UninstallDisplayName=劳动关系服务站
Compression={#Compression}
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes
; the same AppId makes a newer installer upgrade in place (same folder, same shortcuts)
UsePreviousAppDir=yes

[Languages]
; Inno Setup 6.4 ships no Chinese translation: the 6.4-era one from Inno Setup's own repository
; (Files/Languages/Unofficial), kept beside this file.
Name: "chinesesimplified"; MessagesFile: "ChineseSimplified.isl"

[Messages]
ConfirmUninstall=您确认要从这台电脑移除 %1 吗？%n%n程序将被删除；各用户的站点数据（用户文件夹下 AppData\Local\GulouHRSS\LaborStation，含案件、名录和备份）不会被删除。
UninstalledAll=已从这台电脑移除 %1。%n%n站点数据仍保留在各用户文件夹下的 AppData\Local\GulouHRSS\LaborStation 中：重新安装后登录即可继续使用。确需删除时，请先导出备份，再手动删除该文件夹。

[Tasks]
Name: "desktopicon"; Description: "创建桌面快捷方式"; GroupDescription: "附加任务："

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; an upgrade must not leave libraries of the old version beside the new ones
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{group}\劳动关系服务站"; Filename: "{app}\labor-station.exe"; Comment: "鼓楼区劳动关系服务站"
Name: "{group}\劳动关系服务站自检"; Filename: "{cmd}"; Parameters: "/k ""{app}\labor-station-cli.exe"" selftest"; WorkingDir: "{app}"; Comment: "检查加密存储、文书生成和界面是否正常"
Name: "{group}\卸载劳动关系服务站"; Filename: "{uninstallexe}"
Name: "{autodesktop}\劳动关系服务站"; Filename: "{app}\labor-station.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\labor-station.exe"; Description: "启动劳动关系服务站"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; only what the program itself created in its folder; the data folder is not touched
Type: filesandordirs; Name: "{app}\_internal\__pycache__"
