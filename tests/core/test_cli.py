"""The CLI maps user errors to messages and exit codes, never tracebacks."""

import subprocess
import sys


def _run(*args):
    return subprocess.run([sys.executable, "-m", "carecast.cli", *args], capture_output=True, text=True, timeout=120)


def test_version_and_help():
    res = _run("--version")
    assert res.returncode == 0 and res.stdout.startswith("carecast ")
    res = _run("--help")
    assert res.returncode == 0 and "Usage" in res.stdout


def test_unknown_command_is_a_usage_error_without_traceback():
    res = _run("no-such-command")
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
