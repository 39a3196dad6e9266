"""A folder shared with another machine or container: its writers' temporary files are never ours to remove."""

from __future__ import annotations

import socket

from core.utils import atomic
from core.utils.processes import HOST


def test_only_this_hosts_dead_writers_temp_files_are_removed(tmp_path):
    ours = HOST
    theirs = "another-host" if ours != "another-host" else "yet-another-host"
    dead_pid = "999999999"  # above any pid_max: no such process here
    mine, other = tmp_path / f".a.csv.{ours}.{dead_pid}-abcd1234.tmp", tmp_path / f".a.csv.{theirs}.{dead_pid}-abcd1234.tmp"
    mine.write_bytes(b"half"), other.write_bytes(b"half")
    atomic.write_text_atomic(tmp_path / "b.csv", "x\n")
    assert not mine.exists() and other.exists()  # their pid means nothing on this host
    assert socket.gethostname()  # the host part comes from here


def test_a_folder_is_scanned_once_per_process(tmp_path, monkeypatch):
    scans = []
    monkeypatch.setattr(atomic, "remove_stale_temp_files", lambda folder: scans.append(folder) or [])
    for i in range(5):
        atomic.write_text_atomic(tmp_path / f"{i}.png", "x")
    assert len(scans) == 1  # 12,500 Grad-CAM pictures into one folder: one scan, not 12,500


def test_the_pixel_cache_leaves_another_hosts_decoder_alone(tmp_path):
    from core.data import cache

    theirs = tmp_path / f".k.{'another-host' if HOST != 'another-host' else 'x'}.999999999.npy.tmp"
    mine = tmp_path / f".k.{HOST}.999999999.npy.tmp"
    theirs.write_bytes(b""), mine.write_bytes(b"")
    cache.remove_stale_temp_files(tmp_path)
    assert theirs.exists() and not mine.exists()
