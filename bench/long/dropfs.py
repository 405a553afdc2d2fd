"""A FUSE file system that loses what was not fsynced: the power-cut layer for bench/long/powercut.py.

    python bench/long/dropfs.py BACKING MOUNTPOINT      (runs in the foreground until killed)

Every write lands in this process's memory only; fsync (or fdatasync) of a file writes that file's
unsynced ranges to BACKING and fsyncs it there. Kill this process with SIGKILL and everything written
but not synced is gone, as after a pulled plug: BACKING then holds exactly the synced state.
Metadata (create, unlink, rename, truncate to a new size) goes to BACKING at once, as a journaling file
system that commits metadata promptly would; it is the data that is at stake here, and SQLite in WAL
mode relies on fsync for data, not on metadata ordering.
"""

from __future__ import annotations

import errno
import os
import sys
import threading

import mfusepy as fuse


class DropUnsynced(fuse.Operations):
    use_ns = True

    def __init__(self, backing: str) -> None:
        self.backing = os.path.realpath(backing)
        self._mutex = threading.Lock()
        self.volatile: dict[str, bytearray] = {}
        self.ranges: dict[str, list[tuple[int, int]]] = {}
        self.stats = {"writes": 0, "fsyncs": 0, "bytes_synced": 0}

    def _real(self, path: str) -> str:
        return os.path.join(self.backing, path.lstrip("/"))

    def _load(self, path: str) -> bytearray:
        if path not in self.volatile:
            try:
                with open(self._real(path), "rb") as f:
                    self.volatile[path] = bytearray(f.read())
            except FileNotFoundError:
                self.volatile[path] = bytearray()
            self.ranges[path] = []
        return self.volatile[path]

    def getattr(self, path, fh=None):
        try:
            st = os.lstat(self._real(path))
        except FileNotFoundError:
            raise fuse.FuseOSError(errno.ENOENT)
        attrs = {key: getattr(st, key) for key in ("st_mode", "st_nlink", "st_uid", "st_gid", "st_size",
                                                   "st_atime_ns", "st_mtime_ns", "st_ctime_ns")}
        attrs["st_atime"], attrs["st_mtime"], attrs["st_ctime"] = (attrs.pop("st_atime_ns"),
                                                                   attrs.pop("st_mtime_ns"), attrs.pop("st_ctime_ns"))
        with self._mutex:
            if path in self.volatile:
                attrs["st_size"] = len(self.volatile[path])
        return attrs

    def readdir(self, path, fh):
        return [".", ".."] + os.listdir(self._real(path))

    def access(self, path, amode):
        if not os.access(self._real(path), amode):
            raise fuse.FuseOSError(errno.EACCES)
        return 0

    def statfs(self, path):
        sv = os.statvfs(self._real(path))
        return {key: getattr(sv, key) for key in ("f_bavail", "f_bfree", "f_blocks", "f_bsize", "f_favail",
                                                  "f_ffree", "f_files", "f_flag", "f_frsize", "f_namemax")}

    def chmod(self, path, mode):
        os.chmod(self._real(path), mode)
        return 0

    def chown(self, path, uid, gid):
        os.chown(self._real(path), uid, gid)
        return 0

    def utimens(self, path, times=None):
        os.utime(self._real(path), ns=times)
        return 0

    def mkdir(self, path, mode):
        os.mkdir(self._real(path), mode)
        return 0

    def rmdir(self, path):
        os.rmdir(self._real(path))
        return 0

    def open(self, path, flags):
        if not os.path.exists(self._real(path)):
            raise fuse.FuseOSError(errno.ENOENT)
        return 0

    def create(self, path, mode, fi=None):
        fd = os.open(self._real(path), os.O_WRONLY | os.O_CREAT, mode)
        os.close(fd)
        return 0

    def unlink(self, path):
        os.unlink(self._real(path))
        with self._mutex:
            self.volatile.pop(path, None)
            self.ranges.pop(path, None)
        return 0

    def rename(self, old, new):
        os.rename(self._real(old), self._real(new))
        with self._mutex:
            if old in self.volatile:
                self.volatile[new] = self.volatile.pop(old)
                self.ranges[new] = self.ranges.pop(old)
        return 0

    def read(self, path, size, offset, fh):
        with self._mutex:
            if path in self.volatile:
                return bytes(self.volatile[path][offset:offset + size])
        with open(self._real(path), "rb") as f:
            f.seek(offset)
            return f.read(size)

    def write(self, path, data, offset, fh):
        with self._mutex:
            buf = self._load(path)
            if len(buf) < offset:
                buf.extend(b"\0" * (offset - len(buf)))
            buf[offset:offset + len(data)] = data
            self.ranges[path].append((offset, len(data)))
            self.stats["writes"] += 1
        return len(data)

    def truncate(self, path, length, fh=None):
        with self._mutex:
            buf = self._load(path)
            if length < len(buf):
                del buf[length:]
            else:
                buf.extend(b"\0" * (length - len(buf)))
            os.truncate(self._real(path), length)  # the new size is metadata: at once
        return 0

    def fsync(self, path, datasync, fh):
        with self._mutex:
            if path in self.volatile:
                buf, ranges = self.volatile[path], self.ranges[path]
                fd = os.open(self._real(path), os.O_WRONLY)
                try:
                    for offset, length in ranges:
                        chunk = bytes(buf[offset:offset + length])
                        os.pwrite(fd, chunk, offset)
                        self.stats["bytes_synced"] += len(chunk)
                    os.ftruncate(fd, len(buf))
                    os.fsync(fd)
                finally:
                    os.close(fd)
                ranges.clear()
            self.stats["fsyncs"] += 1
        return 0

    def flush(self, path, fh):
        return 0

    def release(self, path, fh):
        return 0


def main() -> None:
    backing, mountpoint = sys.argv[1], sys.argv[2]
    fuse.FUSE(DropUnsynced(backing), mountpoint, foreground=True, nothreads=True)


if __name__ == "__main__":
    main()
