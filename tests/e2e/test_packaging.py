"""The desktop files in packaging/: validated by the freedesktop tools, consistent with the
package (application id, command, version), icons in the sizes they claim, and an install
into a prefix that puts each file where the desktop looks for it."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
APP_ID = "io.github.glottis.Studio"
DESKTOP = PACKAGING / f"{APP_ID}.desktop"
METAINFO = PACKAGING / f"{APP_ID}.metainfo.xml"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (scripts/install-system-deps.sh --test installs it)")
    return path


def test_the_desktop_file_validates() -> None:
    done = subprocess.run(
        [_tool("desktop-file-validate"), str(DESKTOP)], capture_output=True, text=True
    )
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout + done.stderr


def test_the_appstream_metainfo_validates() -> None:
    done = subprocess.run(
        [_tool("appstreamcli"), "validate", "--no-net", str(METAINFO)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "E:" not in done.stdout and "W:" not in done.stdout, done.stdout


def test_the_files_name_the_package_s_command_id_and_version() -> None:
    from studio.app import APP_ID as studio_id

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(DESKTOP)
    desktop = entry["Desktop Entry"]
    assert studio_id == APP_ID == desktop["Icon"]
    assert desktop["Exec"].split()[0] in project["gui-scripts"]
    component = ET.parse(METAINFO).getroot()
    assert component.findtext("id") == APP_ID
    assert component.findtext("launchable") == DESKTOP.name
    for tag in ("developer", "content_rating", "screenshots", "releases"):
        assert component.find(tag) is not None, f"the metainfo has no <{tag}>"
    newest = component.find("releases/release")
    assert newest is not None and newest.get("version") == project["version"]
    binaries = {b.text for b in component.findall("provides/binary")}
    assert set(project["scripts"]) | set(project["gui-scripts"]) == binaries


def test_every_icon_has_the_size_its_folder_names() -> None:
    from PySide6.QtGui import QImage

    for size in ICON_SIZES:
        png = PACKAGING / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        image = QImage(str(png))
        assert not image.isNull(), f"{png} is missing or unreadable"
        assert (image.width(), image.height()) == (size, size), png
        assert image.hasAlphaChannel(), f"{png} has no transparency"


def test_the_install_script_puts_each_file_where_the_desktop_looks(tmp_path: Path) -> None:
    subprocess.run([str(PACKAGING / "install-desktop.sh"), str(tmp_path)], check=True)
    share = tmp_path / "share"
    assert (share / "applications" / DESKTOP.name).read_bytes() == DESKTOP.read_bytes()
    assert (share / "metainfo" / METAINFO.name).is_file()
    assert (share / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg").is_file()
    for size in ICON_SIZES:
        assert (share / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png").is_file()

