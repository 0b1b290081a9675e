"""deploy/: the production environment example, the Procfile, the systemd units and the gunicorn
settings work with the app as it is (every variable it reads is listed, the commands start)."""

import ast
import configparser
import gc
import re
import runpy
import secrets
import shlex
import subprocess
import sys
from pathlib import Path

from tests.config.test_settings import ROOT, manage

DEPLOY = ROOT / "deploy"
UNITS = ["sistercity-web", "sistercity-worker", "sistercity-beat"]
GUNICORN_CONFIG = "config/gunicorn.conf.py"


def variables_read_by_settings():
    """Every ``env.<type>("NAME", …)`` in config/settings.py."""
    tree = ast.parse((ROOT / "config" / "settings.py").read_text())
    names = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        function, first = node.func, node.args[0]
        reads_env = (isinstance(function, ast.Name) and function.id == "env") or (
            isinstance(function, ast.Attribute)
            and isinstance(function.value, ast.Name)
            and function.value.id == "env"
        )
        if reads_env and isinstance(first, ast.Constant) and isinstance(first.value, str):
            names.add(first.value)
    return names


def example_env():
    """``{name: value}`` of the set lines and the names of the commented-out ones."""
    values, mentioned = {}, set()
    for line in (DEPLOY / "production.env.example").read_text().splitlines():
        if match := re.fullmatch(r"(#\s*)?([A-Z][A-Z0-9_]*)=(.*)", line.strip()):
            mentioned.add(match[2])
            if not match[1]:
                values[match[2]] = match[3].removeprefix('"').removesuffix('"')
    return values, mentioned


def procfile():
    lines = (DEPLOY / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line and not line.startswith("#"))


class TestProductionEnvExample:
    def test_it_lists_every_variable_the_settings_read(self):
        _, mentioned = example_env()
        assert variables_read_by_settings() - mentioned == set()
        assert len(variables_read_by_settings()) > 40  # the AST walk found them

    def test_it_names_no_variable_the_settings_do_not_read(self):
        _, mentioned = example_env()
        assert mentioned - variables_read_by_settings() == set()

    def test_filled_in_it_passes_check_deploy(self):
        values, _ = example_env()
        values["SECRET_KEY"] = secrets.token_urlsafe(64)
        result = manage("check", "--deploy", "--fail-level", "WARNING", **values)
        assert result.returncode == 0, result.stderr + result.stdout

    def test_a_shell_reads_it_with_every_line_uncommented(self):
        text = re.sub(
            r"^# ([A-Z][A-Z0-9_]*=)",
            r"\1",
            (DEPLOY / "production.env.example").read_text(),
            flags=re.M,
        )
        script = 'set -a; . /dev/stdin; set +a; printf "%s|%s" "$DEFAULT_FROM_EMAIL" "$ANYMAIL"'
        result = subprocess.run(  # noqa: S603 (fixed argv)
            ["/bin/bash", "-c", script], input=text, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
        assert (
            result.stdout
            == 'Sister City Campaign <campaign@example.org>|{"POSTMARK_SERVER_TOKEN": "..."}'
        )


class TestProcfile:
    def test_it_runs_web_worker_beat_and_migrations(self):
        commands = procfile()
        assert set(commands) == {"release", "web", "worker", "beat"}
        assert commands["web"].startswith(f"gunicorn --config {GUNICORN_CONFIG} ")
        assert commands["worker"].startswith("celery -A config worker ")
        assert commands["beat"].startswith("celery -A config beat ")

    def test_gunicorn_loads_the_app_with_the_web_command(self):
        command = re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", procfile()["web"])
        gunicorn = Path(sys.executable).parent / "gunicorn"  # this environment's
        argv = [str(gunicorn), *shlex.split(command)[1:]]
        result = subprocess.run(  # noqa: S603 (the Procfile's own command)
            [*argv, "--check-config"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr


class TestGunicornConfig:
    def test_it_freezes_what_the_master_loaded_before_each_fork(self):
        config = runpy.run_path(str(ROOT / GUNICORN_CONFIG))
        gc.unfreeze()
        try:
            config["pre_fork"](server=None, worker=None)
            assert gc.get_freeze_count() > 10_000  # Django and the project, loaded by now
        finally:
            gc.unfreeze()


class TestSystemdUnits:
    def test_each_unit_reads_the_environment_and_restarts(self):
        for unit in UNITS:
            parser = configparser.ConfigParser(strict=False, interpolation=None)
            parser.read(DEPLOY / "systemd" / f"{unit}.service")
            service = parser["Service"]
            assert service["EnvironmentFile"] == "/etc/sistercity/production.env", unit
            assert service["Restart"] == "always", unit
            assert service["User"] == "sistercity", unit

    def test_the_commands_match_the_procfile(self):
        text = {unit: (DEPLOY / "systemd" / f"{unit}.service").read_text() for unit in UNITS}
        assert f"gunicorn --config {GUNICORN_CONFIG}" in text["sistercity-web"]
        assert "celery -A config worker" in text["sistercity-worker"]
        assert "celery -A config beat" in text["sistercity-beat"]
        assert "EXACTLY ONE" in text["sistercity-beat"]
