"""Step titles and notes in the user's language.

Step titles reach the UI in English: from the board's scripts (`rps_step download "Download $name"`) and from
the core (`Event(STEP_START, message="Loading the model")`). The scripts and the core stay language-free; this
catalogue maps each title they can send, fixed or with a variable part, to a translatable source string.
`StepList` keeps the English title and translates it each time it paints, so a language switch re-titles
the steps already shown. tests/gui/test_step_titles.py fails when a script's title is missing here.

The notes the scripts attach to a step (`rps_skip deps "all needed packages are installed"`, progress such as
`compiling (120/287)`, warnings) go through a second catalogue, `step_note`, the same way. A note that is only
a value (a model's name, a compiler's or apt's own line) has nothing to translate and is shown as it is.
"""

from __future__ import annotations

import re
from functools import cache

from PySide6.QtCore import QCoreApplication

from .i18n import QT_TRANSLATE_NOOP

CONTEXT = "Steps"

# (pattern over the English title, source with %1, %2 for the pattern's groups). The first match wins: put a
# fixed title before a pattern that would also match it ("Check the board" before "Check %1"). Compiled on
# first use (`_titles`): the ~90 patterns of both tables cost ~8 ms, which the first window need not pay.
_TITLE_SOURCES: tuple[tuple[str, str], ...] = (
    # the setup plan (ui/pages/setup.py) and remote/{preflight,deps,opencl,build,verify,path}.sh
    (r"Check the board", QT_TRANSLATE_NOOP("Steps", "Check the board")),
    (r"Install missing packages", QT_TRANSLATE_NOOP("Steps", "Install missing packages")),
    (r"Install build dependencies", QT_TRANSLATE_NOOP("Steps", "Install build dependencies")),
    (r"OpenCL headers and loader", QT_TRANSLATE_NOOP("Steps", "OpenCL headers and loader")),
    (r"OpenCL headers and ICD loader", QT_TRANSLATE_NOOP("Steps", "OpenCL headers and ICD loader")),
    (r"Get the llama\.cpp source", QT_TRANSLATE_NOOP("Steps", "Get the llama.cpp source")),
    (r"Get llama\.cpp source", QT_TRANSLATE_NOOP("Steps", "Get the llama.cpp source")),
    (r"Build llama\.cpp", QT_TRANSLATE_NOOP("Steps", "Build llama.cpp")),
    (r"Build llama\.cpp \((.+), (.+)\)", QT_TRANSLATE_NOOP("Steps", "Build llama.cpp (%1, %2)")),
    (r"Roll back to the previous build", QT_TRANSLATE_NOOP("Steps", "Roll back to the previous build")),
    (r"Check the build", QT_TRANSLATE_NOOP("Steps", "Check the build")),
    (r"Check the built llama\.cpp", QT_TRANSLATE_NOOP("Steps", "Check the built llama.cpp")),
    (r"Add llama\.cpp to PATH", QT_TRANSLATE_NOOP("Steps", "Add llama.cpp to PATH")),
    (r"Remove llama\.cpp from PATH", QT_TRANSLATE_NOOP("Steps", "Remove llama.cpp from PATH")),
    # remote/model-download.sh, model-quantize.sh, core/models.py
    (r"Look up (.+)", QT_TRANSLATE_NOOP("Steps", "Look up %1")),
    (r"Check free disk space", QT_TRANSLATE_NOOP("Steps", "Check free disk space")),
    (r"Download (.+)", QT_TRANSLATE_NOOP("Steps", "Download %1")),
    (r"Check the input and the disk", QT_TRANSLATE_NOOP("Steps", "Check the input and the disk")),
    (r"Quantize to (.+)", QT_TRANSLATE_NOOP("Steps", "Quantize to %1")),
    (r"Upload (.+)", QT_TRANSLATE_NOOP("Steps", "Upload %1")),
    # the server plan (ui/pages/server.py), core/server.py, remote/server-supervise.sh
    (r"Check model, memory and port", QT_TRANSLATE_NOOP("Steps", "Check model, memory and port")),
    (r"Checking model, memory and port", QT_TRANSLATE_NOOP("Steps", "Check model, memory and port")),
    (r"Start llama-server", QT_TRANSLATE_NOOP("Steps", "Start llama-server")),
    (r"Starting llama-server \(run (.+)\)", QT_TRANSLATE_NOOP("Steps", "Start llama-server (run %1)")),
    (r"Load the model", QT_TRANSLATE_NOOP("Steps", "Load the model")),
    (r"Loading the model", QT_TRANSLATE_NOOP("Steps", "Load the model")),
    (r"Ready", QT_TRANSLATE_NOOP("Steps", "Ready")),
    # remote/bench-run.sh
    (r"Benchmark", QT_TRANSLATE_NOOP("Steps", "Benchmark")),
    # last: any other "Check <file>" (remote/model-download.sh's check of the downloaded file)
    (r"Check (.+)", QT_TRANSLATE_NOOP("Steps", "Check %1")),
)


@cache
def _titles() -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((re.compile(f"^{pattern}$"), source) for pattern, source in _TITLE_SOURCES)


def step_title(title: str) -> str:
    """`title` (English, from a script, the core or a page's plan) in the current language; as it is when
    the catalogue does not know it (e.g. a title a page has already translated)."""
    for pattern, source in _titles():
        if match := pattern.match(title):
            return _fill(QCoreApplication.translate(CONTEXT, source), match.groups())
    return title


def _fill(text: str, values: tuple[str, ...]) -> str:
    """Qt's %1, %2 in `text` replaced by `values` in one pass (a value may itself contain "%2")."""
    return re.sub(r"%(\d)", lambda m: values[int(m[1]) - 1], text)


def known(title: str) -> bool:
    """Whether the catalogue has `title` (for the test that checks every script's titles)."""
    return any(pattern.match(title) for pattern, _ in _titles())


# Notes: skip/done/progress messages and warnings from remote/*.sh (tests/gui/test_step_titles.py checks each
# literal one is here). Patterns are over the English note; %1, %2 take the groups.
_NOTE_SOURCES: tuple[tuple[str, str], ...] = (
        # preflight.sh
        (r"this is (.+), not the RUBIK Pi's aarch64; building anyway",
         QT_TRANSLATE_NOOP("Steps", "this is %1, not the RUBIK Pi's aarch64; building anyway")),
        (r"only (\d+) MB RAM: the build will be slow and use a swap file",
         QT_TRANSLATE_NOOP("Steps", "only %1 MB RAM: the build will be slow and use a swap file")),
        (r"kernel log: (.+) — the Adreno KGSL driver did not start \(known boot-order issue (.+)\); "
         r"update the kernel \(sudo apt update && sudo apt full-upgrade\) and reboot",
         QT_TRANSLATE_NOOP("Steps", "kernel log: %1 — the Adreno KGSL driver did not start (known "
                           "boot-order issue %2); update the kernel (sudo apt update && sudo apt "
                           "full-upgrade) and reboot")),
        (r"Ubuntu Desktop uses the open Freedreno GPU driver, which has no OpenCL; llama\.cpp can use "
         r"the Adreno GPU only with Qualcomm's driver from the server image\. To switch: (.+)",
         QT_TRANSLATE_NOOP("Steps", "Ubuntu Desktop uses the open Freedreno GPU driver, which has no "
                           "OpenCL; llama.cpp can use the Adreno GPU only with Qualcomm's driver from the "
                           "server image. To switch: %1")),
        (r"building with OpenCL as asked \(RPS_GPU=on\), but (.+): it will run on the CPU",
         QT_TRANSLATE_NOOP("Steps", "building with OpenCL as asked, but %1: it will run on the CPU")),
        (r"building for the CPU: (.+)", QT_TRANSLATE_NOOP("Steps", "building for the CPU: %1")),
        # deps.sh
        (r"all needed packages are installed",
         QT_TRANSLATE_NOOP("Steps", "all needed packages are installed")),
        (r"apt-get update", "apt-get update"),  # a command: the same in every language
        (r"apt-get update failed; trying the install anyway",
         QT_TRANSLATE_NOOP("Steps", "apt-get update failed; trying the install anyway")),
        (r"installed (.+)", QT_TRANSLATE_NOOP("Steps", "installed %1")),
        # opencl.sh
        (r"CPU build: OpenCL is not needed", QT_TRANSLATE_NOOP("Steps", "CPU build: OpenCL is not needed")),
        (r"already present: (.+) and (.+)", QT_TRANSLATE_NOOP("Steps", "already present: %1 and %2")),
        (r"OpenCL headers", QT_TRANSLATE_NOOP("Steps", "OpenCL headers")),
        (r"OpenCL ICD loader", QT_TRANSLATE_NOOP("Steps", "OpenCL ICD loader")),
        # build.sh and lib.sh's git progress
        (r"llama\.cpp is already at (.+)", QT_TRANSLATE_NOOP("Steps", "llama.cpp is already at %1")),
        (r"checked out (.+)", QT_TRANSLATE_NOOP("Steps", "checked out %1")),
        (r"cloned (.+)", QT_TRANSLATE_NOOP("Steps", "cloned %1")),
        (r"receiving objects (\d+)%", QT_TRANSLATE_NOOP("Steps", "receiving objects %1%")),
        (r"resolving deltas (\d+)%", QT_TRANSLATE_NOOP("Steps", "resolving deltas %1%")),
        (r"checking out files (\d+)%", QT_TRANSLATE_NOOP("Steps", "checking out files %1%")),
        (r"already built: (.+)", QT_TRANSLATE_NOOP("Steps", "already built: %1")),
        (r"found a build made by hand at (.+) \((.+), GGML_OPENCL=(.+)\)",
         QT_TRANSLATE_NOOP("Steps", "found a build made by hand at %1 (%2, GGML_OPENCL=%3)")),
        (r"only (\d+) MB RAM free and no sudo for a swap file; building with -j1",
         QT_TRANSLATE_NOOP("Steps", "only %1 MB RAM free and no sudo for a swap file; building with -j1")),
        (r"too little disk for a swap file; building with -j(\d+)",
         QT_TRANSLATE_NOOP("Steps", "too little disk for a swap file; building with -j%1")),
        (r"compiling \((\d+)/(\d+)\)", QT_TRANSLATE_NOOP("Steps", "compiling (%1/%2)")),
        (r"built (.+) in (\d+) s", QT_TRANSLATE_NOOP("Steps", "built %1 in %2 s")),
        (r"now using (.+)", QT_TRANSLATE_NOOP("Steps", "now using %1")),
        # verify.sh
        (r"smoke test with (.+)", QT_TRANSLATE_NOOP("Steps", "smoke test with %1")),
        (r"built with OpenCL, but llama\.cpp found no Adreno GPU \(OpenCL devices: (.+)\): no GPU is used, "
         r"models will run on the CPU",
         QT_TRANSLATE_NOOP("Steps", "built with OpenCL, but llama.cpp found no Adreno GPU (OpenCL devices: "
                           "%1): no GPU is used, models will run on the CPU")),
        (r"the GPU is there, but the test run offloaded 0/(\d+) layers to it: models run on the CPU",
         QT_TRANSLATE_NOOP("Steps", "the GPU is there, but the test run offloaded 0/%1 layers to it: models "
                           "run on the CPU")),
        # path.sh
        (r"(.+) already has a llama\.cpp block",
         QT_TRANSLATE_NOOP("Steps", "%1 already has a llama.cpp block")),
        (r"added (.+) to PATH in (.+) \(new terminals; or: source (.+)\)",
         QT_TRANSLATE_NOOP("Steps", "added %1 to PATH in %2 (new terminals; or: source %3)")),
        (r"no llama\.cpp block in (.+)", QT_TRANSLATE_NOOP("Steps", "no llama.cpp block in %1")),
        (r"removed the llama\.cpp block from (.+)",
         QT_TRANSLATE_NOOP("Steps", "removed the llama.cpp block from %1")),
        # model-download.sh
        (r"The server publishes no sha256 for (.+); only its size and GGUF header can be checked\.",
         QT_TRANSLATE_NOOP("Steps", "The server publishes no sha256 for %1; only its size and GGUF "
                           "header can be checked.")),
        (r"(.+) is already on the board and verified",
         QT_TRANSLATE_NOOP("Steps", "%1 is already on the board and verified")),
        (r"The partial file is larger than (.+); starting over\.",
         QT_TRANSLATE_NOOP("Steps", "The partial file is larger than %1; starting over.")),
        (r"(.+) needed, (.+) free", QT_TRANSLATE_NOOP("Steps", "%1 needed, %2 free")),
        (r"The size of (.+) is not known; (.+) is free\.",
         QT_TRANSLATE_NOOP("Steps", "The size of %1 is not known; %2 is free.")),
        (r"(.+); retrying in (\d+) s \(attempt (\d+) of (\d+)\), continuing from (.+)",
         QT_TRANSLATE_NOOP("Steps", "%1; retrying in %2 s (attempt %3 of %4), continuing from %5")),
        (r"sha256 ([0-9a-f]+)", QT_TRANSLATE_NOOP("Steps", "sha256 %1")),
        # model-quantize.sh
        (r"tensor (\d+) of (\d+) \((.+)\)", QT_TRANSLATE_NOOP("Steps", "tensor %1 of %2 (%3)")),
        # server-supervise.sh
        (r"ready on port (\d+)", QT_TRANSLATE_NOOP("Steps", "ready on port %1")),
        # core/server.py: what llama-server's log says while it loads (LoadStatus.feed, backend_event)
        (r"OpenCL device: (.+)", QT_TRANSLATE_NOOP("Steps", "OpenCL device: %1")),
        (r"offloaded (\d+)/(\d+) layers to GPU", QT_TRANSLATE_NOOP("Steps", "offloaded %1/%2 layers to GPU")),
        (r"Vision projector loaded", QT_TRANSLATE_NOOP("Steps", "Vision projector loaded")),
        (r"Listening on (.+)", QT_TRANSLATE_NOOP("Steps", "Listening on %1")),
        (r"Running on (.+)", QT_TRANSLATE_NOOP("Steps", "Running on %1")),
        (r"llama-server stopped with status (.+)",
         QT_TRANSLATE_NOOP("Steps", "llama-server stopped with status %1")),
        # bench-run.sh
        (r"this llama\.cpp build has no GPU backend: CPU only",
         QT_TRANSLATE_NOOP("Steps", "this llama.cpp build has no GPU backend: CPU only")),
        (r"unknown mode (.+) ignored", QT_TRANSLATE_NOOP("Steps", "unknown mode %1 ignored")),
        (r"(.+): (.+) \((\d+)/(\d+)\)", QT_TRANSLATE_NOOP("Steps", "%1: %2 (%3/%4)")),
        (r"(.+): starting", QT_TRANSLATE_NOOP("Steps", "%1: starting")),
        (r"llama-bench \((.+)\) failed with exit status (.+)",
         QT_TRANSLATE_NOOP("Steps", "llama-bench (%1) failed with exit status %2")),
        (r"finished", QT_TRANSLATE_NOOP("Steps", "finished")),
        # the core (core/jobs.py, models.py, bench.py, ssh.py)
        (r"The connection to the board dropped; reconnecting \(the job goes on there\)\.",
         QT_TRANSLATE_NOOP("Steps", "The connection to the board dropped; reconnecting (the job goes on "
                           "there).")),
        (r"The board stopped answering \(the connection stalled\); reconnecting \(the job goes on there\)\.",
         QT_TRANSLATE_NOOP("Steps", "The board stopped answering (the connection stalled); reconnecting "
                           "(the job goes on there).")),
        # core/ssh.py's StallWatch (an upload or a chat answer waiting on a silent link)
        (r"The board has sent nothing for (\d+) s; waiting for it \(the connection may have stalled\)\.",
         QT_TRANSLATE_NOOP("Steps", "The board has sent nothing for %1 s; waiting for it (the connection "
                           "may have stalled).")),
        (r"The board answers again; going on\.",
         QT_TRANSLATE_NOOP("Steps", "The board answers again; going on.")),
        (r"Reconnected to the board; following the same job on from where it was\.",
         QT_TRANSLATE_NOOP("Steps", "Reconnected to the board; following the same job on from where it "
                           "was.")),
        # core/jobs.py's ATTACHED: the job was already running, the app follows it instead of a second one
        (r"Re-attached to the download already running on the board; it goes on from there\.",
         QT_TRANSLATE_NOOP("Steps", "Re-attached to the download already running on the board; it goes on "
                           "from there.")),
        (r"Re-attached to the quantization already running on the board; it goes on from there\.",
         QT_TRANSLATE_NOOP("Steps", "Re-attached to the quantization already running on the board; it goes "
                           "on from there.")),
        (r"Re-attached to the setup already running on the board; it goes on from there\.",
         QT_TRANSLATE_NOOP("Steps", "Re-attached to the setup already running on the board; it goes on from "
                           "there.")),
        (r"Re-attached to the benchmark already running on the board; it goes on from there\.",
         QT_TRANSLATE_NOOP("Steps", "Re-attached to the benchmark already running on the board; it goes on "
                           "from there.")),
        (r"Re-attached to the server already starting on the board\.",
         QT_TRANSLATE_NOOP("Steps", "Re-attached to the server already starting on the board.")),
        (r"Re-attached to the job already running on the board; it goes on from there\.",
         QT_TRANSLATE_NOOP("Steps", "Re-attached to the job already running on the board; it goes on from "
                           "there.")),
        (r"Requantizing (.+) to (.+): quality suffers\.",
         QT_TRANSLATE_NOOP("Steps", "Requantizing %1 to %2: quality suffers.")),
        (r"llama-server was running during the benchmark \((\d+) process\(es\)\)",
         QT_TRANSLATE_NOOP("Steps", "llama-server was running during the benchmark (%1 process(es))")),
        (r"the GPU run used no GPU backend \(backends: (.*)\)",
         QT_TRANSLATE_NOOP("Steps", "the GPU run used no GPU backend (backends: %1)")),
        (r"Resuming the upload: the board already has (\d+) of (\d+) bytes\.",
         QT_TRANSLATE_NOOP("Steps", "Resuming the upload: the board already has %1 of %2 bytes.")),
        (r"upload (\d+) of (\d+) MiB", QT_TRANSLATE_NOOP("Steps", "upload %1 of %2 MiB")),
        (r"download (\d+) of (\d+) MiB", QT_TRANSLATE_NOOP("Steps", "download %1 of %2 MiB")),
        (r"(\S+ \S+) of (\S+ \S+) · (\S+ \S+)/s · (.+) left",
         QT_TRANSLATE_NOOP("Steps", "%1 of %2 · %3/s · %4 left")),
        (r"(\S+ \S+) of (\S+ \S+) · (\S+ \S+)/s", QT_TRANSLATE_NOOP("Steps", "%1 of %2 · %3/s")),
        (r"(\S+ \S+) of (\S+ \S+)", QT_TRANSLATE_NOOP("Steps", "%1 of %2")),
        (r"uploaded", QT_TRANSLATE_NOOP("Steps", "uploaded")),
        # last: verify.sh's "llama.cpp <its --version line>", the same in every language
        (r"llama\.cpp (.+)", "llama.cpp %1"),
)  # fmt: skip


@cache
def _notes() -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((re.compile(f"^{pattern}$", re.DOTALL), source) for pattern, source in _NOTE_SOURCES)


def step_note(note: str) -> str:
    """A step's note (from a script) in the current language; as it is when the catalogue does not know it
    (a value alone, a compiler's or apt's own line)."""
    for pattern, source in _notes():
        if match := pattern.match(note):
            return _fill(QCoreApplication.translate(CONTEXT, source), match.groups())
    return note


def known_note(note: str) -> bool:
    """Whether the notes catalogue has `note` (for the test that checks every script's notes)."""
    return any(pattern.match(note) for pattern, _ in _notes())
