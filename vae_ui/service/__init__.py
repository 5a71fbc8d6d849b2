"""The compute service: runs trained in a pool of processes and cached by config, the data sets they train on, the
byte-bounded cache they share, memory given back to the system, the LAN address. No widgets here."""
