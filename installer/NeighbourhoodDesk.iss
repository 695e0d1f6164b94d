; Inno Setup script: the Windows installer of Neighbourhood Desk (邻里中心前台).
;
; Build it on Windows after the bundle (docs/WINDOWS.md; installer\build-windows.ps1 does both):
;   pyinstaller --noconfirm installer.spec
;   "C:\Program Files (x86)\Inno Setup 6\ISCC.exe" /DAppVersion=0.1.0 installer\NeighbourhoodDesk.iss
; -> dist\NeighbourhoodDesk-0.1.0-setup.exe
;
; Needs Inno Setup 6.3 or newer (for x64compatible); Inno Setup 7 works as well.
; Written from Inno Setup's documentation on Linux: it has not been compiled or run here.
;
; This file is UTF-8 with a byte-order mark, so that Inno Setup reads the Chinese names as
; Chinese, and has CRLF line ends (.gitattributes: installer/*.iss text eol=crlf).
; tests/test_paths.py checks both, and that the names below agree with the program.

; /DAppVersion=... on the command line; the default is app/__init__.py's __version__ at the time
; of writing. The bundle folder carries the version, so a wrong one stops the build below.
#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
; app.APP_ID: names the program file, the bundle folder and the data folder.
#define AppId "NeighbourhoodDesk"
#define AppExe "NeighbourhoodDesk.exe"
#define AppTitle "邻里中心前台"
; PyInstaller's output (installer.spec: COLLECT name f"{APP_ID}-{__version__}"), relative to this file.
#ifndef BundleDir
  #define BundleDir "..\dist\NeighbourhoodDesk-" + AppVersion
#endif
; Where the program keeps the centre's data: platformdirs' user_data_dir("NeighbourhoodDesk",
; appauthor=False) on Windows (app/paths.py data_folder). The database, its backups, desk.ini
; and desk.log live there. Nothing in this script installs into it or deletes from it.
#define DataFolder "{localappdata}\NeighbourhoodDesk"

#if !FileExists(AddBackslash(SourcePath) + BundleDir + "\" + AppExe)
  #error The bundle was not found: run "pyinstaller --noconfirm installer.spec" first, and pass the version it was built with (/DAppVersion=...).
#endif

[Setup]
; Never change AppId: an upgrade finds the installed version through it.
AppId={{1B698FDD-22F3-4B88-A0AC-EC0977514FA8}
AppName={#AppTitle}
AppVersion={#AppVersion}
AppVerName={#AppTitle} {#AppVersion}
UninstallDisplayName={#AppTitle}
UninstallDisplayIcon={app}\{#AppExe}
; Per user, without administrator rights: the front desk's account installs it for itself.
; With "lowest", Setup never asks for elevation and {autopf} is the user's own program folder,
; %LOCALAPPDATA%\Programs. So the program goes to %LOCALAPPDATA%\Programs\NeighbourhoodDesk,
; which is NOT the data folder %LOCALAPPDATA%\NeighbourhoodDesk: the two must never be the same
; folder (nor one inside the other), or replacing the program on an upgrade ([InstallDelete]
; below) and the uninstaller would work inside the folder that holds the centre's data.
; The [Code] section refuses such a folder when it is chosen by hand or with /DIR=.
PrivilegesRequired=lowest
DefaultDirName={autopf}\{#AppId}
DisableProgramGroupPage=yes
; The bundle is 64-bit (64-bit Python); Qt 6 needs Windows 10 1809 or newer.
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0.17763
OutputDir=..\dist
OutputBaseFilename={#AppId}-{#AppVersion}-setup
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
; Close a running copy (Windows Restart Manager) before its files are replaced.
CloseApplications=yes
RestartApplications=no
SetupLogging=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"
; Simplified Chinese ships with Inno Setup 7.0.2 and newer; with Inno Setup 6 it is an unofficial
; translation that is not installed. Put ChineseSimplified.isl (from Inno Setup's translations
; page) beside this script to use it with Inno Setup 6; without either, the wizard is English only.
; Windows in Chinese picks Chinese by itself (LanguageDetectionMethod=uilanguage, the default).
#if FileExists(AddBackslash(CompilerPath) + "Languages\ChineseSimplified.isl")
  #define HaveChinese
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
#elif FileExists(AddBackslash(SourcePath) + "ChineseSimplified.isl")
  #define HaveChinese
Name: "chinesesimplified"; MessagesFile: "ChineseSimplified.isl"
#endif

[CustomMessages]
english.FolderHoldsData=The program cannot be installed in%n%1%nbecause that folder overlaps the data folder%n%2%nwhich holds the centre's database and backups. Please choose another folder.
english.DataKept=The program was removed. The centre's data (database, backups, settings) is still in%n%1%nDelete that folder yourself only when you are sure nobody needs it any more.
#ifdef HaveChinese
chinesesimplified.FolderHoldsData=不能安装到%n%1%n该文件夹与数据文件夹%n%2%n重叠（数据文件夹里保存着数据库和备份）。请另选一个文件夹。
chinesesimplified.DataKept=程序已卸载。中心的数据（数据库、备份和设置）仍保留在%n%1%n只有确定不再需要时，才可自行删除该文件夹。
#endif

[Tasks]
; Checked by default (no "unchecked" flag).
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[InstallDelete]
; An upgrade replaces the whole bundle: files of the previous version that this one no longer
; has must not stay among the new ones. Only the bundle's own _internal folder, never the data.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppTitle}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"
Name: "{autodesktop}\{#AppTitle}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppTitle}}"; Flags: nowait postinstall skipifsilent

; [UninstallDelete] is left out on purpose: the uninstaller removes the files it installed and
; then {app} if it is empty, and nothing else. The data folder is never named here, so
; uninstalling keeps the database, the backups, desk.ini and desk.log.

[Code]
function DataFolder: String;
begin
  Result := ExpandConstant('{#DataFolder}');
end;

{ True when A and B are the same folder or one is inside the other (Windows ignores case). }
function FoldersOverlap(A, B: String): Boolean;
begin
  A := AnsiLowerCase(AddBackslash(A));
  B := AnsiLowerCase(AddBackslash(B));
  Result := (Pos(A, B) = 1) or (Pos(B, A) = 1);
end;

{ Also called on silent installs, where returning False ends Setup. }
function NextButtonClick(CurPageID: Integer): Boolean;
begin
  Result := True;
  if (CurPageID = wpSelectDir) and FoldersOverlap(WizardDirValue, DataFolder) then
  begin
    SuppressibleMsgBox(FmtMessage(CustomMessage('FolderHoldsData'), [WizardDirValue, DataFolder]),
      mbError, MB_OK, IDOK);
    Result := False;
  end;
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if (CurUninstallStep = usPostUninstall) and (not UninstallSilent) and DirExists(DataFolder) then
    MsgBox(FmtMessage(CustomMessage('DataKept'), [DataFolder]), mbInformation, MB_OK);
end;
