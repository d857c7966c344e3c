# Fails the way the contract says a builder fails: a stderr line and a non-zero exit.
echo "builder: error: this builder fails on purpose (board $3)" >&2
exit 3
