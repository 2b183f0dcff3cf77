"""Never listens: every case is not ready."""
import time

print("warming up", flush=True)
time.sleep(60)
