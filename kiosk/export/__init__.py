"""Taking the logs off a kiosk: the export bundle, sealing it to the hub, the safe USB write, stick detection."""
