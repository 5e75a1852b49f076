"""A TCP proxy on 127.0.0.1 in front of a real server, to stage its outages: cut (the server
is gone) or stall (it accepts connections and never answers)."""

from __future__ import annotations

import socket
import threading
import time


class TcpProxy:
    """127.0.0.1:port forwarding to a real server. `cut()` drops every connection and refuses
    new ones, `stall()` accepts and reads but forwards nothing (a server that hangs), and
    `restore()` brings either back; what a stall held is forwarded then."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._flowing = threading.Event()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self.restore()

    def restore(self) -> None:
        with self._lock:
            if self._listener is None:
                listener = socket.socket()
                listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                listener.bind(("127.0.0.1", self.port))
                listener.listen(64)
                self._listener = listener
                threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        self._flowing.set()

    def stall(self) -> None:
        self._flowing.clear()

    def cut(self) -> None:
        with self._lock:
            if self._listener is not None:
                # shutdown() wakes the thread blocked in accept(); close() alone would not,
                # and the port would go on accepting.
                try:
                    self._listener.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                self._listener.close()
                self._listener = None
            for sock in self._open:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
            self._open.clear()
        self._flowing.set()  # a stalled pipe wakes, finds its sockets closed, and ends

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                with self._lock:
                    if self._listener is not listener:
                        return  # cut
                # Not cut: a client that gave up before it was accepted (ECONNABORTED), or
                # a passing shortage; returning here would leave the port accepting into its
                # backlog with nobody serving it.
                time.sleep(0.01)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._open.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                self._flowing.wait()
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
