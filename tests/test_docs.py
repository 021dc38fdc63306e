"""Docs as tests: every command and option has help and appears in the README (in its
heading too), and so does every setting of ours with its default, every table and column of
the archive, every module, plugin and template, and the fields extract and export print."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from conftest import run_blogarchive
from pipeline.cli import cli
from pipeline.store import Archive

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
COMMANDS = sorted(cli.commands)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help(name: str) -> None:
    command = cli.commands[name]
    assert command.help and len(command.help) > 20
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert f"Usage: cli {name}" in result.output
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"{name} {param.opts} has no help"


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_is_in_the_readme(name: str) -> None:
    assert re.search(rf"blogarchive {name}\b", README), f"`blogarchive {name}` is not in README.md"
    for param in cli.commands[name].params:
        if isinstance(param, click.Option):
            assert any(opt in README for opt in param.opts), f"{name} {param.opts} not in README.md"


def test_readme_starts_with_the_two_commands() -> None:
    blocks = re.findall(r"```(?:bash|sh|console)?\n(.*?)```", README, re.S)
    commands = [
        line.strip()
        for block in blocks
        for line in block.splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert commands[:2] == ["make demo", "make test"]


def test_every_setting_of_ours_is_in_the_readme() -> None:
    from pipeline import settings
    from pipeline.crawl import UNLISTED_SETTINGS

    ours = [name for name in vars(settings) if name.startswith("BLOGARCHIVE_")]
    ours += sorted(UNLISTED_SETTINGS)  # -s takes them too
    assert len(ours) > 10
    assert [name for name in ours if name not in README] == []
    # and the README names no setting that `-s` would refuse as unknown (environment
    # variables apart)
    environment = {"BLOGARCHIVE_PASSWORD_HASH", "BLOGARCHIVE_UPDATE_SCREENSHOTS"}
    named = set(re.findall(r"\bBLOGARCHIVE_[A-Z0-9_]+", README)) - environment
    assert sorted(named - set(ours)) == []
    # and says to set one with -s: Scrapy reads no BLOGARCHIVE_* environment variable
    unset = re.findall(r"(?<!-s )(?<!--set )\b(BLOGARCHIVE_[A-Z0-9_]+)=", README)
    assert [name for name in unset if name in ours] == []


def test_every_option_is_in_its_commands_readme_heading() -> None:
    """A reader scanning the `### blogarchive NAME [...]` headings sees every option."""
    headings = re.findall(r"^### (.*)$", README, re.M)
    for name in COMMANDS:
        synopses = [
            synopsis
            for heading in headings
            for synopsis in re.findall(r"`(blogarchive [^`]*)`", heading)
            if re.match(rf"blogarchive {name}\b", synopsis)
        ]
        assert synopses, f"no README heading for `blogarchive {name}`"
        missing = [
            param.opts
            for param in cli.commands[name].params
            if isinstance(param, click.Option)
            and not any(re.search(rf"{opt}\b", " ".join(synopses)) for opt in param.opts)
        ]
        assert missing == [], f"{name}: {missing} not in its README heading"


def test_every_table_and_column_is_in_the_readme(tmp_path: Path) -> None:
    """ "The archive (SQLite)" names every table of a new archive and every column (but `id`)
    in that table's row."""
    from pipeline.store import Archive

    section = README.split("## The archive (SQLite)", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = line.split(" | ")
        if line.startswith("| `") and len(cells) > 1:
            for table in re.findall(r"`(\w+)`", cells[0]):
                rows[table] = cells[1]
    with Archive(tmp_path / "archive.db") as archive:
        db = archive.db
        tables = [
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE "
                "'CREATE VIRTUAL TABLE%' AND name NOT LIKE '%fts%'"
            )
        ]
        missing = [
            f"{table}.{column}"
            for table in tables
            for (column,) in db.execute("SELECT name FROM pragma_table_info(?)", [table])
            if column != "id" and not re.search(rf"[`\"]{column}[`\"]", rows.get(table, ""))
        ]
    assert len(tables) > 10
    assert [table for table in tables if table not in rows] == []
    assert missing == []


def test_every_module_plugin_and_template_is_in_the_readme() -> None:
    """The README's Layout and Datasette "Files" name every module, plugin and template."""
    root = Path(__file__).resolve().parents[1]
    files = [*root.glob("pipeline/*.py"), *root.glob("archive/plugins/*.py")]
    files += root.glob("archive/templates/*.html")
    names = [path.name for path in files if path.name != "__init__.py"]
    assert len(names) > 30
    assert [name for name in names if f"`{name}`" not in README] == []


def test_the_readme_settings_table_gives_the_defaults_of_settings_py() -> None:
    """Each number or flag in the Settings table's default column is pipeline/settings.py's."""
    from pipeline import settings

    section = README.split("## Settings", 1)[1].split("\n## ", 1)[0]
    units = {"MiB": 1024 * 1024}
    checked, wrong = 0, []
    for line in section.splitlines():
        cells = line.split(" | ")
        if not line.startswith("| `") or len(cells) < 3:
            continue
        names = re.findall(r"`([A-Z0-9_]+)`", cells[0])
        defaults = cells[1].split(", ")
        if len(defaults) == 1:
            defaults *= len(names)
        for name, default in zip(names, defaults, strict=True):
            match = re.fullmatch(r"`?(True|False|auto|[\d.]+)`?(?: (MiB|s|\(.*\)))?", default)
            if not match:  # a path or a sentence
                continue
            value, unit = match.groups()
            if value in ("True", "False", "auto"):
                documented: object = {"True": True, "False": False}.get(value, value)
            else:
                documented = float(value) * units.get(unit, 1)
            checked += 1
            if documented != getattr(settings, name):
                wrong.append((name, default, getattr(settings, name)))
    assert checked > 30
    assert wrong == []


def test_the_readme_names_the_fields_extract_and_export_print(tmp_path: Path) -> None:
    """The field lists of "`blogarchive extract`" and "`blogarchive export`" are what the
    commands print, in that order (comments' fields too)."""

    def listed(after: str) -> list[str]:
        text = README.split(after, 1)[1][:600]
        names = re.findall(r"`([a-z_, \n]+)`", text)
        return [name.strip() for group in names for name in group.split(",")]

    page = Path(__file__).parent / "fixtures" / "pages" / "blogger_contempo.html"
    url = "https://hedgerow.example/2024/05/post.html"
    extracted = run_blogarchive("extract", str(page), "--url", url)
    assert extracted.returncode == 0, extracted.stderr
    record = json.loads(extracted.stdout)
    assert listed("holding exactly what a crawl would store:")[:17] == list(record)
    with Archive(tmp_path / "archive.db") as archive:
        archive.save_post(record)
    exported = run_blogarchive("export", "--db", str(tmp_path / "archive.db"))
    assert exported.returncode == 0, exported.stderr
    post = json.loads(exported.stdout)
    fields = listed("one JSON object per post (")
    assert fields[: len(post)] == list(post)
    assert post["comments"]
    comment_fields = fields[len(post) : len(post) + len(post["comments"][0])]
    assert comment_fields == list(post["comments"][0])


def test_the_readme_verify_output_names_every_check_verify_prints(tmp_path: Path) -> None:
    """The sample output under `blogarchive verify` has one line per check the command prints,
    in its order, and the same last line."""
    page = Path(__file__).parent / "fixtures" / "pages" / "blogger_contempo.html"
    record = json.loads(
        run_blogarchive("extract", str(page), "--url", "https://hedgerow.example/p.html").stdout
    )
    with Archive(tmp_path / "archive.db") as archive:
        archive.save_post(record)
    verified = run_blogarchive("verify", "--db", str(tmp_path / "archive.db"))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    printed = verified.stdout.splitlines()
    sample = re.search(r"```\n(ok  integrity_check.*?)```", README, re.S)
    assert sample, "no sample output of `blogarchive verify` in README.md"
    documented = sample.group(1).splitlines()

    def checks(lines: list[str]) -> list[str]:
        return [line.split(":", 1)[0] for line in lines if line.startswith("ok  ")]

    assert checks(documented) == checks(printed)
    assert documented[-1].endswith(": sound") and printed[-1].endswith(": sound")
