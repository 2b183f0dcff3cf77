"""A correct line server: a thread per connection, a locked counter, daemon threads."""

import os
import socket
import threading
import time

counter = 0
counter_lock = threading.Lock()


def reply_to(line):
    global counter
    command, _, argument = line.partition(" ")
    if line == "PING":
        return "PONG"
    if command == "ECHO" and " " in line:
        return argument
    if command == "SLEEP" and argument.isdigit():
        time.sleep(int(argument) / 1000)
        return "SLEPT " + argument
    if line == "INCR":
        with counter_lock:
            counter += 1
            return str(counter)
    return "ERR unknown command"


def serve(conn):
    with conn:
        buffer = b""
        while True:
            chunk = conn.recv(4096)
            if not chunk:
                return
            buffer += chunk
            while b"\n" in buffer:
                raw, buffer = buffer.split(b"\n", 1)
                line = raw.decode().removesuffix("\r")
                if line == "QUIT":
                    conn.sendall(b"BYE\n")
                    return
                conn.sendall((reply_to(line) + "\n").encode())


listener = socket.create_server(("127.0.0.1", int(os.environ["PORT"])))
while True:
    conn, _ = listener.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
