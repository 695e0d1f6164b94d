<#
.SYNOPSIS
    Builds Neighbourhood Desk on a Windows PC: the PyInstaller bundle and, when Inno Setup is
    installed, the installer dist\NeighbourhoodDesk-<version>-setup.exe.

.DESCRIPTION
    From the project folder, in PowerShell (Windows PowerShell 5.1 or PowerShell 7):

        powershell -ExecutionPolicy Bypass -File installer\build-windows.ps1

    Steps: find a 64-bit Python 3.12 or newer; create .venv (once); pip install -e .[build];
    pyinstaller --noconfirm installer.spec; run the bundle's --version; if Inno Setup's ISCC.exe
    is found, compile installer\NeighbourhoodDesk.iss into dist\.
    Written on Linux, where neither PowerShell nor Inno Setup could be run: untested (docs/WINDOWS.md).
    This file is plain ASCII on purpose (Windows PowerShell 5.1 reads a file without a BOM as ANSI).

.PARAMETER Python
    The Python to create .venv with, e.g. C:\Python312\python.exe. Default: the py launcher's
    newest Python 3, else python on PATH.

.PARAMETER SkipInstaller
    Build and check the bundle only.

.PARAMETER SmokeTest
    Also run installer\smoke_test.py against the bundle (demo data, every form, export, the window).
    Use a build PC, not the centre's: it runs the program's commands under this Windows account.
#>
[CmdletBinding()]
param(
    [string]$Python = "",
    [switch]$SkipInstaller,
    [switch]$SmokeTest
)

$ErrorActionPreference = "Stop"
$Root = Split-Path -Parent $PSScriptRoot
Set-Location -LiteralPath $Root

function Invoke-Checked {
    # Runs a program and stops the build when it fails (a program's exit code never throws by itself).
    param([string]$FilePath, [string[]]$Arguments = @())
    Write-Host ("> " + $FilePath + " " + ($Arguments -join " ")) -ForegroundColor Cyan
    & $FilePath @Arguments
    if ($LASTEXITCODE -ne 0) {
        throw "$FilePath failed (exit code $LASTEXITCODE)."
    }
}

function Get-PythonVersion {
    # "3.12 64" for the Python given as program + arguments; $null when it does not run.
    param([string]$FilePath, [string[]]$Arguments = @())
    try {
        $text = & $FilePath @Arguments -c "import struct, sys; print('%d.%d %d' % (sys.version_info[0], sys.version_info[1], struct.calcsize('P') * 8))"
    } catch {
        return $null
    }
    if ($LASTEXITCODE -ne 0 -or -not $text) { return $null }
    return ([string]$text).Trim()
}

function Get-PythonProblem {
    # Why the Python that printed "$Version" (Get-PythonVersion) cannot be used; $null when it can.
    param([string]$Version, [string]$Name)
    if (-not $Version) {
        return "$Name does not run."
    }
    $parts = $Version.Split(" ")
    if ([version]$parts[0] -lt [version]"3.12") {
        return "$Name is Python $($parts[0]); Neighbourhood Desk needs Python 3.12 or newer."
    }
    if ($parts[1] -ne "64") {
        return "$Name is a $($parts[1])-bit Python; the program is built for 64-bit Windows."
    }
    return $null
}

# -- 1. Python 3.12+ and .venv ------------------------------------------------------------------
$Venv = Join-Path $Root ".venv"
$VenvPython = Join-Path $Venv "Scripts\python.exe"
if (-not (Test-Path -LiteralPath $VenvPython)) {
    $pyExe = $null
    $pyArgs = @()
    $problem = "No Python found."
    if ($Python) {
        $problem = Get-PythonProblem (Get-PythonVersion $Python) $Python
        if (-not $problem) { $pyExe = $Python }
    } else {
        if (Get-Command py.exe -ErrorAction SilentlyContinue) {
            # The py launcher's newest Python 3 first, then each version that is new enough.
            foreach ($flag in @("-3", "-3.14", "-3.13", "-3.12")) {
                $problem = Get-PythonProblem (Get-PythonVersion "py.exe" @($flag)) "py $flag"
                if (-not $problem) {
                    $pyExe = "py.exe"
                    $pyArgs = @($flag)
                    break
                }
            }
        }
        if (-not $pyExe -and (Get-Command python.exe -ErrorAction SilentlyContinue)) {
            $problem = Get-PythonProblem (Get-PythonVersion "python.exe") "python.exe"
            if (-not $problem) { $pyExe = "python.exe" }
        }
    }
    if (-not $pyExe) {
        throw "$problem Install Python 3.12 or newer (64-bit) from python.org, or name one with -Python."
    }
    Invoke-Checked $pyExe ($pyArgs + @("-m", "venv", $Venv))
}
$problem = Get-PythonProblem (Get-PythonVersion $VenvPython) $VenvPython
if ($problem) {
    throw "$problem Delete the .venv folder and run this script again."
}

# -- 2. The program and PyInstaller -------------------------------------------------------------
Invoke-Checked $VenvPython @("-m", "pip", "install", "-e", ".[build]")
$AppId = ([string](& $VenvPython -c "import app; print(app.APP_ID)")).Trim()
$AppVersion = ([string](& $VenvPython -c "import app; print(app.__version__)")).Trim()
if (-not $AppId -or -not $AppVersion) { throw "Could not read the program's name and version from app/__init__.py." }
Write-Host "Building $AppId $AppVersion"

# -- 3. The bundle --------------------------------------------------------------------------------
Invoke-Checked $VenvPython @("-m", "PyInstaller", "--noconfirm", "installer.spec")
$Bundle = Join-Path $Root "dist\$AppId-$AppVersion"
$Gui = Join-Path $Bundle "$AppId.exe"
$Cli = Join-Path $Bundle "$AppId-cli.exe"
if (-not (Test-Path -LiteralPath $Gui)) { throw "The bundle has no $Gui." }

# -- 4. Does it start? ----------------------------------------------------------------------------
if (Test-Path -LiteralPath $Cli) {
    # The console twin prints to this window and PowerShell waits for it.
    $out = & $Cli --version
    if ($LASTEXITCODE -ne 0) { throw "$Cli --version failed (exit code $LASTEXITCODE)." }
} else {
    # The window program has no console: start it, wait, and read what it wrote to a file.
    $outFile = Join-Path $env:TEMP "$AppId-version.txt"
    $errFile = Join-Path $env:TEMP "$AppId-version-errors.txt"
    $process = Start-Process -FilePath $Gui -ArgumentList "--version" -Wait -PassThru -NoNewWindow `
        -RedirectStandardOutput $outFile -RedirectStandardError $errFile
    if ($process.ExitCode -ne 0) {
        throw "$Gui --version failed (exit code $($process.ExitCode)): $(Get-Content -LiteralPath $errFile -Raw)"
    }
    $out = Get-Content -LiteralPath $outFile -Raw
}
$out = ([string]$out).Trim()
if ($out -notlike "*$AppVersion*") {
    Write-Warning "--version printed '$out', which does not name version $AppVersion."
} else {
    Write-Host "The bundle starts: $out" -ForegroundColor Green
}
if ($SmokeTest) {
    if (-not (Test-Path -LiteralPath (Join-Path $Root "installer\smoke_test.py"))) {
        throw "installer\smoke_test.py is missing."
    }
    Invoke-Checked $VenvPython @("installer\smoke_test.py", $Bundle)
}

# -- 5. The installer (Inno Setup) ----------------------------------------------------------------
if ($SkipInstaller) {
    Write-Host "Bundle ready: $Bundle"
    exit 0
}
$Iscc = $null
$command = Get-Command ISCC.exe -ErrorAction SilentlyContinue
if ($command) {
    $Iscc = $command.Path
} else {
    $places = @()
    foreach ($base in @($env:ProgramFiles, ${env:ProgramFiles(x86)}, (Join-Path $env:LOCALAPPDATA "Programs"))) {
        if ($base) {
            foreach ($name in @("Inno Setup 7", "Inno Setup 6")) {
                $places += (Join-Path $base "$name\ISCC.exe")
            }
        }
    }
    foreach ($place in $places) {
        if (Test-Path -LiteralPath $place) {
            $Iscc = $place
            break
        }
    }
}
if (-not $Iscc) {
    Write-Warning ("Inno Setup was not found (ISCC.exe), so no installer was made. Install Inno Setup 6.3 or " +
        "newer (7.0.2 or newer for a Chinese wizard) and run this script again. Bundle ready: $Bundle")
    exit 0
}
Invoke-Checked $Iscc @("/DAppVersion=$AppVersion", (Join-Path $Root "installer\NeighbourhoodDesk.iss"))
$Setup = Join-Path $Root "dist\$AppId-$AppVersion-setup.exe"
if (-not (Test-Path -LiteralPath $Setup)) { throw "ISCC finished but $Setup is missing." }
Write-Host "Installer ready: $Setup" -ForegroundColor Green
