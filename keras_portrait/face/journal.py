"""Resumable folder jobs: one JSON line per finished source, appended as each one is done."""

import json
import os

from tqdm import tqdm


def read_journal(path):
    """{source: entry} of the finished sources; a line cut by a kill is ignored (redone)."""
    done = {}
    if os.path.isfile(path):
        with open(path) as f:
            for line in f:
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    continue
                done[entry["source"]] = entry
    return done


def _ends_with_newline(path):
    with open(path, "rb") as f:
        f.seek(-1, os.SEEK_END)
        return f.read(1) == b"\n"


def run_journaled(sources, journal_path, work, progress=True, description=None):
    """Runs `work(source) -> entry dict` on every source the journal has not recorded yet.

    Each entry must hold `"source": source`. It is appended to `journal_path` as soon as its
    source is done, so a killed run continues where it stopped (a source cut half-way is
    redone).

    Returns:
        The entries of all `sources` in their order (earlier runs' included).
    """
    done = read_journal(journal_path)
    todo = [source for source in sources if source not in done]
    with open(journal_path, "a") as journal:
        if journal.tell() and not _ends_with_newline(journal_path):
            journal.write("\n")  # after a line cut by a kill
        for source in tqdm(todo, desc=description, disable=not progress,
                           initial=len(sources) - len(todo), total=len(sources)):
            entry = work(source)
            journal.write(json.dumps(entry) + "\n")
            journal.flush()
            done[source] = entry
    return [done[source] for source in sources if source in done]
