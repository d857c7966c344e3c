# Exits 0 but writes only firmware.bin: no manifest.json.
head -c 1024 /dev/zero > /out/firmware.bin
echo "wrote firmware.bin only"
