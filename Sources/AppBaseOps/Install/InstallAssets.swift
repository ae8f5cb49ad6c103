/// The files `appbase install` writes, built into the binary so that the binary alone can
/// install itself (from a source checkout or from the offline bundle). They are the repository's
/// `Configuration/appbase.service` and `Configuration/appbase.production.toml`, byte for byte: a
/// test compares them, so edit those files and copy them here.
enum InstallAssets {
    /// `Configuration/appbase.service`.
    static let unit = #"""
# AppBase as a systemd service: `appbase install` puts this file in /etc/systemd/system/ (with
# its paths adjusted to --prefix and --config-dir) and the production configuration in
# /etc/appbase/appbase.toml. docs/adr/0040-install-layout.md explains each choice.
[Unit]
Description=AppBase, a self-hosted Backend-as-a-Service for the LAN
After=network-online.target avahi-daemon.service
Wants=network-online.target avahi-daemon.service

[Service]
Type=exec
User=appbase
Group=appbase
ExecStart=/usr/local/bin/appbase serve --config /etc/appbase/appbase.toml --data-dir /var/lib/appbase
# SIGHUP reloads the configuration file (apps added, removed, reconfigured).
ExecReload=/bin/kill -HUP $MAINPID
Restart=on-failure
RestartSec=2s
# In-flight requests get [limits] shutdown_grace_ms (10 s) after SIGTERM; then SQLite closes.
TimeoutStopSec=30s
LimitNOFILE=65536
UMask=0077

# /var/lib/appbase, owned by appbase, mode 0700: master.sqlite, one folder per app, the local CA.
StateDirectory=appbase
StateDirectoryMode=0700
WorkingDirectory=/var/lib/appbase
# Backups written elsewhere need the place listed here, e.g. in a drop-in
# (systemctl edit appbase): ReadWritePaths=/srv/appbase-backups
ReadWritePaths=/var/lib/appbase

# Port 80 (and nothing else below 1024) without running as root.
AmbientCapabilities=CAP_NET_BIND_SERVICE
CapabilityBoundingSet=CAP_NET_BIND_SERVICE
NoNewPrivileges=yes

ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
# AF_UNIX: the control socket and the system D-Bus (avahi); AF_NETLINK: the interface list.
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
ProtectHostname=yes
ProtectProc=invisible
PrivateMounts=yes
RemoveIPC=yes
SystemCallArchitectures=native
# systemd's list for ordinary services; anything else fails with EPERM instead of killing the server.
SystemCallFilter=@system-service
SystemCallErrorNumber=EPERM

[Install]
WantedBy=multi-user.target

"""#

    /// `Configuration/appbase.production.toml`.
    static let productionConfiguration = #"""
# AppBase on a LAN box: the configuration `appbase install` writes to /etc/appbase/appbase.toml
# (never over an existing one). The development configuration (Configuration/appbase.toml) keeps
# port 8080 and two demo apps; this one serves the control plane on port 80, so
# http://appbase.local/ works with no port, and starts with no apps: create them on the control
# page. Reference: docs/CONFIGURATION.md ("The installed configuration").

[server]
host = "0.0.0.0"      # every address of this box
port = 80             # control plane + host-based routing (api.<app>.appbase.local); the unit grants CAP_NET_BIND_SERVICE
log_format = "text"   # access log, to the journal: "text" or "json"

[ports]
first = 3100          # apps without a fixed port get one from this range,
last = 3999           # remembered in master.sqlite

[tls]
# HTTPS with a local CA (created in /var/lib/appbase/tls/ at first start). TLS and plain HTTP
# share each port (the first byte tells them apart): http://appbase.local/ and
# https://appbase.local:80/ are the same control plane. There is no listener on 443.
enabled = true
# "serve", not "redirect": a redirect keeps the Host header's port, and a browser's Host for
# port 80 has none, so it would send the browser to https://appbase.local/ — port 443.
plain = "serve"

[mdns]
enabled = true        # announce appbase.local and each app's names through avahi-daemon

# Apps: create them on the control page (http://appbase.local/) or with POST /api/apps; they are
# kept in master.sqlite. Or add a table here (applied while the server runs):
# [apps.notes]
# port = 3101

"""#
}
