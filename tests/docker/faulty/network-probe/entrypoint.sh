# Tries to reach the test's listener on the host's loopback port 47231. With the network off
# that address is the container's own loopback, where nothing listens.
echo "interfaces: $(ls /sys/class/net | tr '\n' ' ')"
if (exec 3<>/dev/tcp/127.0.0.1/47231) 2>/dev/null; then
  echo "builder: error: reached 127.0.0.1:47231: the network is on" >&2
  exit 0
fi
echo "builder: error: cannot reach 127.0.0.1:47231 (no network)" >&2
exit 4
