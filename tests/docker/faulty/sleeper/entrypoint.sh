# Sleeps past any time limit.
echo "sleeping instead of building"
exec sleep 3600
