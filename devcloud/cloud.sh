#!/usr/bin/env bash
# patch-dashboard development cloud: Keystone, Glance, Placement, Nova (fake
# driver), MariaDB, RabbitMQ, memcached, a Neutron stand-in and Horizon with the
# plugin, all on 127.0.0.1, all state in one directory.
#
#   cloud.sh up       install if needed, set up if needed, start, seed; print URL + logins
#   cloud.sh stop     stop everything it started (by pid; epmd included)
#   cloud.sh clean    stop, then wipe the state directory
#   cloud.sh status   exit 0 iff every service answers
#   cloud.sh logs     last 40 lines of each service log
#   cloud.sh restart-horizon   restart Horizon only (after plugin code changes)
#   cloud.sh restart-glance    re-render Glance's configuration, restart Glance only
#
# State directory: $PATCH_DASHBOARD_DEVCLOUD_DIR, default <checkout>/.devcloud
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
STATE=${PATCH_DASHBOARD_DEVCLOUD_DIR:-$ROOT/.devcloud}
CV=$ROOT/.cloudvenv
HV=$ROOT/.venv
LOCK=$HERE/requirements-cloud.lock

# Ports (all 127.0.0.1). MariaDB has no port: unix socket only.
KEYSTONE_PORT=5000
GLANCE_PORT=9292
PLACEMENT_PORT=8778
NOVA_PORT=8774
NEUTRON_PORT=9696
HORIZON_PORT=${PATCH_DASHBOARD_HORIZON_PORT:-8080}
MEMCACHED_PORT=21211
INDEX_CACHE_PORT=21212  # a memcached of its own for patch-dashboard's index
RABBIT_PORT=35672
RABBIT_DIST_PORT=35673
EPMD_PORT=34369

SERVICE_PASSWORD=devcloud-service
DB_PASSWORD=devcloud-db
ADMIN_PASSWORD=devcloud-admin
export PYTHONDONTWRITEBYTECODE=1
export PIP_DISABLE_PIP_VERSION_CHECK=1

# Services in start order; stop goes in reverse.
SERVICES=(mariadb rabbitmq memcached memcached-index keystone glance placement neutron-standin
          nova-api nova-conductor nova-scheduler nova-compute horizon)

log()  { printf '[devcloud %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
die()  { printf '[devcloud] ERROR: %s\n' "$*" >&2; exit 1; }
now()  { date +%s; }

abs_state() {
    mkdir -p "$STATE"
    STATE=$(cd "$STATE" && pwd -P)
    export PATCH_DASHBOARD_DEVCLOUD_DIR=$STATE
    DB="mysql+pymysql://devcloud:${DB_PASSWORD}@localhost"
    DBQ="?unix_socket=${STATE}/mysql/mysqld.sock\&charset=utf8mb4"
}

# ---------------------------------------------------------------- processes
pidfile() { echo "$STATE/run/$1.pid"; }

# a pid file holds "pid starttime": a reused pid never passes for our process
proc_start() {  # field 22 of /proc/PID/stat; the name in field 2 may hold spaces
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
    stat=${stat##*) }
    awk '{print $20}' <<< "$stat"
}

svc_pid() {  # prints the pid of a running service of ours, fails otherwise
    local f pid start
    f=$(pidfile "$1")
    [[ -s $f ]] || return 1
    read -r pid start < "$f"
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 1
    [[ -z $start || "$(proc_start "$pid")" == "$start" ]] || return 1
    echo "$pid"
}

is_running() { svc_pid "$1" >/dev/null; }

# start_svc NAME CMD... : own session (pgid = pid), stdout+stderr to log/NAME.log
start_svc() {
    local name=$1; shift
    if is_running "$name"; then return 0; fi
    mkdir -p "$STATE/run" "$STATE/log"
    setsid "$@" >>"$STATE/log/$name.log" 2>&1 < /dev/null 9>&- &   # fd 9: our lock
    local pid=$!
    echo "$pid $(proc_start "$pid")" > "$(pidfile "$name")"
}

stop_svc() {
    local name=$1 f pid i
    f=$(pidfile "$name")
    [[ -s $f ]] || return 0
    if ! pid=$(svc_pid "$name"); then
        rm -f "$f"   # not running (or the pid now belongs to someone else)
        return 0
    fi
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
        for i in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.2
        done
        if kill -0 "$pid" 2>/dev/null; then
            log "$name did not stop in 20 s: SIGKILL"
            kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    # leftovers of the same process group (e.g. gunicorn workers)
    if pgrep -g "$pid" >/dev/null 2>&1; then
        sleep 0.5
        pkill -KILL -g "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() {  # wait_for WHAT TIMEOUT CMD...
    local what=$1 timeout=$2 t0; shift 2
    t0=$(now)
    until "$@" >/dev/null 2>&1; do
        if (( $(now) - t0 > timeout )); then
            log "$what did not come up in ${timeout}s; its log:"
            tail -n 40 "$STATE/log/$what.log" 2>/dev/null || true
            die "$what did not start"
        fi
        sleep 0.5
    done
}

http_ok() { curl -s -o /dev/null --max-time 5 -w '%{http_code}' "$1" | grep -qE '^(2|3)'; }
http_any() { curl -s -o /dev/null --max-time 5 -w '%{http_code}' "$1" | grep -qE '^[2-4]'; }

rabbit_env() {
    export HOME=$STATE/rabbitmq/home
    export RABBITMQ_NODENAME=devcloud@localhost
    export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
    export RABBITMQ_NODE_PORT=$RABBIT_PORT
    export RABBITMQ_DIST_PORT=$RABBIT_DIST_PORT
    export RABBITMQ_MNESIA_BASE=$STATE/rabbitmq/mnesia
    export RABBITMQ_LOG_BASE=$STATE/rabbitmq/log
    export RABBITMQ_LOGS=$STATE/log/rabbitmq-server.log
    export RABBITMQ_PID_FILE=$STATE/rabbitmq/rabbitmq.pid
    export RABBITMQ_CONFIG_FILE=$STATE/etc/rabbitmq/rabbitmq
    export RABBITMQ_CONF_ENV_FILE=$STATE/etc/rabbitmq/rabbitmq-env.conf
    export RABBITMQ_ENABLED_PLUGINS_FILE=$STATE/etc/rabbitmq/enabled_plugins
    export RABBITMQ_ADVANCED_CONFIG_FILE=$STATE/etc/rabbitmq/advanced.config
    export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
    export RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
    export ERL_EPMD_ADDRESS=127.0.0.1
    export ERL_EPMD_PORT=$EPMD_PORT
}

# ---------------------------------------------------------------- install
APT_UPDATED=
apt_ensure() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    (( ${#missing[@]} )) || return 0
    log "install: apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if [[ -z $APT_UPDATED ]]; then apt-get update -qq; APT_UPDATED=1; fi
    # do not let the packages start their own system-wide daemons
    local prc=/usr/sbin/policy-rc.d created=
    if [[ ! -e $prc ]]; then printf '#!/bin/sh\nexit 101\n' > $prc; chmod +x $prc; created=1; fi
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    [[ -n $created ]] && rm -f $prc
    return 0
}

phase_install() {
    log "phase install: Debian packages, .cloudvenv, .venv"
    apt_ensure mariadb-server rabbitmq-server memcached redis-server chromium chromium-driver curl \
        python3-venv gettext iproute2 procps
    local sum
    sum=$(sha256sum "$LOCK" | cut -d' ' -f1)
    if [[ ! -x $CV/bin/python || "$(cat "$CV/.devcloud-lock.sha256" 2>/dev/null)" != "$sum" ]]; then
        log "install: .cloudvenv from $(basename "$LOCK")"
        [[ -x $CV/bin/python ]] || python3 -m venv "$CV"
        "$CV/bin/pip" install -q -r "$LOCK"
        echo "$sum" > "$CV/.devcloud-lock.sha256"
    else
        log "install: .cloudvenv matches the lock file"
    fi
    # the lead's target: creates .venv from requirements/horizon.lock and installs the
    # plugin editable; a stamp makes it a no-op when nothing changed
    log "install: .venv via 'make venv'"
    make -s -C "$ROOT" venv
    # Horizon is served by gunicorn with memcached sessions: both must be in .venv
    if ! "$HV/bin/python" -c 'import gunicorn, pymemcache' 2>/dev/null; then
        log "install: gunicorn + pymemcache into .venv"
        "$HV/bin/pip" install -q "gunicorn==27.0.1" "pymemcache==4.0.0"
    fi
    if [[ -f $ROOT/setup.py ]] && ! (cd / && "$HV/bin/python" -c 'import patch_dashboard') 2>/dev/null; then
        log "install: plugin into .venv (pip install -e .)"
        "$HV/bin/pip" install -q --no-deps -e "$ROOT"
    fi
}

# ---------------------------------------------------------------- setup
render() {  # render TEMPLATE DEST
    mkdir -p "$(dirname "$2")"
    sed -e "s#@STATE@#${STATE}#g" -e "s#@DBQ@#${DBQ}#g" -e "s#@DB@#${DB}#g" \
        -e "s#@KEYSTONE_PORT@#${KEYSTONE_PORT}#g" -e "s#@GLANCE_PORT@#${GLANCE_PORT}#g" \
        -e "s#@NEUTRON_PORT@#${NEUTRON_PORT}#g" -e "s#@RABBIT_PORT@#${RABBIT_PORT}#g" \
        -e "s#@MEMCACHED_PORT@#${MEMCACHED_PORT}#g" \
        -e "s#@SERVICE_PASSWORD@#${SERVICE_PASSWORD}#g" "$HERE/templates/$1" > "$2"
}

write_configs() {
    mkdir -p "$STATE"/{etc,log,run,mysql,keystone,glance/images,glance/staging,glance/tasks,glance/locks} \
             "$STATE"/{nova/locks,horizon,rabbitmq/home,rabbitmq/mnesia,rabbitmq/log,etc/rabbitmq}
    render my.cnf.in "$STATE/etc/my.cnf"
    render keystone.conf.in "$STATE/etc/keystone/keystone.conf"
    glance_configs
    render placement.conf.in "$STATE/etc/placement/placement.conf"
    render nova-common.conf.in "$STATE/etc/nova/nova-common.conf"
    render nova-db.conf.in "$STATE/etc/nova/nova-db.conf"
    cat "$STATE/etc/nova/nova-common.conf" "$STATE/etc/nova/nova-db.conf" > "$STATE/etc/nova/nova.conf"
    printf '[DEFAULT]\nlog_file = %s/log/nova-api.log\n' "$STATE" > "$STATE/etc/nova/nova-api.conf"
    cp "$CV/etc/nova/api-paste.ini" "$STATE/etc/nova/"
    mkdir -p "$STATE/etc/nova-compute"
    cp "$STATE/etc/nova/nova-common.conf" "$STATE/etc/nova-compute/nova.conf"   # no [database]
    : > "$STATE/etc/rabbitmq/rabbitmq-env.conf"
    echo '[].' > "$STATE/etc/rabbitmq/enabled_plugins"
    echo '[].' > "$STATE/etc/rabbitmq/advanced.config"
    cat > "$STATE/etc/rabbitmq/rabbitmq.conf" <<EOF
listeners.tcp.default = 127.0.0.1:$RABBIT_PORT
loopback_users.guest = true
log.file.level = warning
vm_memory_high_watermark.absolute = 256MiB
disk_free_limit.absolute = 50MB
EOF
}

# Glance's configuration, with the property protections docs/security.md recommends (the
# same file, copied unchanged)
glance_configs() {
    render glance-api.conf.in "$STATE/etc/glance/glance-api.conf"
    cp "$CV/etc/glance/glance-api-paste.ini" "$STATE/etc/glance/"
    cp "$HERE/property-protections-roles.conf" "$STATE/etc/glance/property-protections-roles.conf"
}

mysql_cmd() { mariadb --defaults-file="$STATE/etc/my.cnf" "$@"; }

start_mariadb() {
    if [[ ! -d $STATE/mysql/data/mysql ]]; then
        log "setup: mariadb-install-db"
        mariadb-install-db --defaults-file="$STATE/etc/my.cnf" --user=root \
            --auth-root-authentication-method=socket --skip-test-db \
            > "$STATE/log/mariadb-install.log" 2>&1 || { cat "$STATE/log/mariadb-install.log"; die "mariadb-install-db failed"; }
    fi
    start_svc mariadb mariadbd --defaults-file="$STATE/etc/my.cnf"
    wait_for mariadb 60 mariadb-admin --defaults-file="$STATE/etc/my.cnf" ping
}

start_rabbitmq() {
    if is_running rabbitmq; then return 0; fi
    ( rabbit_env; start_svc rabbitmq /usr/lib/rabbitmq/bin/rabbitmq-server )
}

wait_rabbitmq() {
    ( rabbit_env
      wait_for rabbitmq 90 port_open "$RABBIT_PORT"
      /usr/lib/rabbitmq/bin/rabbitmqctl -q wait --timeout 60 "$RABBITMQ_PID_FILE" >/dev/null )
}

cv() { "$CV/bin/$1" "${@:2}"; }

phase_setup() {
    if [[ -f $STATE/.setup-done ]]; then
        log "phase setup: already done"
        write_configs
        return 0
    fi
    log "phase setup: configs, databases, schema, Keystone bootstrap, Horizon static"
    write_configs
    start_mariadb
    start_rabbitmq
    mysql_cmd <<EOF
CREATE USER IF NOT EXISTS 'devcloud'@'localhost' IDENTIFIED BY '${DB_PASSWORD}';
CREATE DATABASE IF NOT EXISTS keystone;
CREATE DATABASE IF NOT EXISTS glance;
CREATE DATABASE IF NOT EXISTS placement;
CREATE DATABASE IF NOT EXISTS nova_api;
CREATE DATABASE IF NOT EXISTS nova;
CREATE DATABASE IF NOT EXISTS nova_cell0;
GRANT ALL PRIVILEGES ON *.* TO 'devcloud'@'localhost';
FLUSH PRIVILEGES;
EOF
    local pids=() p fail=0
    (
        cv keystone-manage --config-file "$STATE/etc/keystone/keystone.conf" db_sync
        cv keystone-manage --config-file "$STATE/etc/keystone/keystone.conf" fernet_setup \
            --keystone-user root --keystone-group root
        cv keystone-manage --config-file "$STATE/etc/keystone/keystone.conf" credential_setup \
            --keystone-user root --keystone-group root
        cv keystone-manage --config-file "$STATE/etc/keystone/keystone.conf" bootstrap \
            --bootstrap-password "$ADMIN_PASSWORD" --bootstrap-username admin \
            --bootstrap-project-name admin --bootstrap-role-name admin \
            --bootstrap-region-id RegionOne \
            --bootstrap-admin-url "http://127.0.0.1:$KEYSTONE_PORT/v3" \
            --bootstrap-internal-url "http://127.0.0.1:$KEYSTONE_PORT/v3" \
            --bootstrap-public-url "http://127.0.0.1:$KEYSTONE_PORT/v3"
    ) > "$STATE/log/setup-keystone.log" 2>&1 & pids+=($!)
    (
        cv glance-manage --config-file "$STATE/etc/glance/glance-api.conf" db_sync
        cv glance-manage --config-file "$STATE/etc/glance/glance-api.conf" db_load_metadefs \
            "$CV/etc/glance/metadefs"
        # The plugin's own namespace, so Horizon's Update Metadata dialog offers its keys.
        cv glance-manage --config-file "$STATE/etc/glance/glance-api.conf" db load_metadefs \
            --path "$ROOT/patch_dashboard/metadefs" --merge --prefer_new
        cv placement-manage --config-file "$STATE/etc/placement/placement.conf" db sync
    ) > "$STATE/log/setup-glance-placement.log" 2>&1 & pids+=($!)
    (
        local N="$STATE/etc/nova/nova.conf"
        cv nova-manage --config-file "$N" api_db sync
        cv nova-manage --config-file "$N" cell_v2 map_cell0 \
            --database_connection "${DB}/nova_cell0?unix_socket=${STATE}/mysql/mysqld.sock&charset=utf8mb4"
        cv nova-manage --config-file "$N" cell_v2 create_cell --name cell1 --verbose || true
        cv nova-manage --config-file "$N" db sync
    ) > "$STATE/log/setup-nova.log" 2>&1 & pids+=($!)
    for p in "${pids[@]}"; do wait "$p" || fail=1; done
    if (( fail )); then
        tail -n 30 "$STATE"/log/setup-*.log
        die "database setup failed (logs above)"
    fi
    touch "$STATE/.setup-done"
}

# Horizon: settings link, enabled files, collectstatic + compress when inputs change
horizon_prepare() {
    local od
    od=$("$HV/bin/python" -c 'import os, openstack_dashboard as o; print(os.path.dirname(o.__file__))')
    ln -sfn "$HERE/horizon/local_settings.py" "$od/local/local_settings.py"
    # Horizon's wheel ships its catalogs as .po files only: compiled once here, a user who
    # picks German reads Horizon's own menus in German too, not only the plugin's pages.
    local sp
    sp=$(dirname "$od")
    if [[ ! -e $sp/horizon/locale/de/LC_MESSAGES/django.mo ]]; then
        log "setup: compile Horizon's message catalogs"
        local d
        for d in horizon openstack_dashboard; do
            (cd "$sp/$d" && "$HV/bin/django-admin" compilemessages -v0) >/dev/null 2>&1 \
                || log "setup: $d's catalogs not compiled (menus stay English)"
        done
    fi
    if compgen -G "$ROOT/enabled/_[0-9]*.py" >/dev/null; then
        if [[ ${DEVCLOUD_WITHOUT_PLUGIN:-} == 1 ]]; then
            log "Horizon WITHOUT the plugin (DEVCLOUD_WITHOUT_PLUGIN=1)"
            local f
            for f in "$ROOT"/enabled/_[0-9]*.py; do rm -f "$od/local/enabled/$(basename "$f")"; done
        else
            cp "$ROOT"/enabled/_[0-9]*.py "$od/local/enabled/"
        fi
    fi
    local sum
    sum=$( { cat "$HERE/horizon/local_settings.py"; ls -l "$od"/local/enabled/_*.py;
             find "$ROOT/enabled" "$ROOT/patch_dashboard" "$ROOT/static" -type f \
                 \( -name '*.py' -o -name '*.js' -o -name '*.scss' -o -name '*.html' -o -name '*.css' \) \
                 -printf '%p %s %T@\n' 2>/dev/null | sort; } | sha256sum | cut -d' ' -f1)
    if [[ "$(cat "$STATE/horizon/.static.sha256" 2>/dev/null)" == "$sum" && -d $STATE/horizon/static ]]; then
        return 0
    fi
    HORIZON_CHANGED=1
    log "setup: Horizon collectstatic + compress"
    (
        cd "$STATE/horizon"
        export DJANGO_SETTINGS_MODULE=openstack_dashboard.settings
        "$HV/bin/python" -m django collectstatic --noinput -v0
        "$HV/bin/python" -m django compress --force -v0
    ) > "$STATE/log/setup-horizon.log" 2>&1 || { tail -n 30 "$STATE/log/setup-horizon.log"; die "Horizon static failed"; }
    echo "$sum" > "$STATE/horizon/.static.sha256"
}

# ---------------------------------------------------------------- start
# gunicorn closes an idle keep-alive connection after 2 s by default. A client that reuses
# its pooled connection at that moment gets "connection aborted" (seen in CI: a test's
# openstacksdk DELETE to nova-api). Clients here idle for seconds between calls, so the
# servers keep idle connections as long as Apache's mod_wsgi set-ups commonly do.
KEEP_ALIVE=75
gunicorn_cv() {  # NAME PORT APP [extra args]
    local name=$1 port=$2 app=$3; shift 3
    start_svc "$name" "$CV/bin/gunicorn" --no-control-socket -b "127.0.0.1:$port" \
        -w 1 --threads 4 --timeout 120 --graceful-timeout 5 --keep-alive "$KEEP_ALIVE" \
        --pythonpath "$HERE/wsgi" \
        --access-logfile - --name "devcloud-$name" "$@" "$app"
}

start_glance() {
    ( export OS_GLANCE_CONFIG_DIR="$STATE/etc/glance"
      gunicorn_cv glance "$GLANCE_PORT" glance.wsgi.api:application )
}

start_horizon() {
    ( cd "$STATE/horizon"
      export DJANGO_SETTINGS_MODULE=openstack_dashboard.settings
      export DEVCLOUD_KEYSTONE_PORT=$KEYSTONE_PORT DEVCLOUD_MEMCACHED_PORT=$MEMCACHED_PORT \
          DEVCLOUD_INDEX_CACHE_PORT=$INDEX_CACHE_PORT
      start_svc horizon "$HV/bin/gunicorn" --no-control-socket -b "127.0.0.1:$HORIZON_PORT" \
          -w 2 --preload --timeout 120 --graceful-timeout 5 --keep-alive "$KEEP_ALIVE" \
          --pythonpath "$HERE/horizon" \
          --access-logfile - --name devcloud-horizon devcloud_horizon_wsgi:application )
}

phase_start() {
    log "phase start: services"
    start_mariadb
    start_rabbitmq
    start_svc memcached memcached -l 127.0.0.1 -p "$MEMCACHED_PORT" -U 0 -m 64 -u root
    # The plugin's index on a memcached apart from the sessions': stopping it (the fault
    # test) must leave everyone logged in; 512 MB holds a 100,000-instance cloud's index.
    start_svc memcached-index memcached -l 127.0.0.1 -p "$INDEX_CACHE_PORT" -U 0 -m 512 -u root
    ( export OS_KEYSTONE_CONFIG_FILES="$STATE/etc/keystone/keystone.conf"
      gunicorn_cv keystone "$KEYSTONE_PORT" devcloud_keystone:application )
    start_svc neutron-standin "$CV/bin/python" "$HERE/neutron_standin.py" "$NEUTRON_PORT"
    wait_for keystone 90 http_ok "http://127.0.0.1:$KEYSTONE_PORT/v3"
    if [[ ! -f $STATE/.catalog-done ]]; then
        log "start: service users and catalog"
        "$CV/bin/python" "$HERE/bootstrap.py" --keystone "http://127.0.0.1:$KEYSTONE_PORT/v3" \
            --admin-password "$ADMIN_PASSWORD" --service-password "$SERVICE_PASSWORD" \
            --glance "http://127.0.0.1:$GLANCE_PORT" --placement "http://127.0.0.1:$PLACEMENT_PORT" \
            --nova "http://127.0.0.1:$NOVA_PORT/v2.1" >> "$STATE/log/setup-catalog.log" 2>&1 \
            || { tail -n 30 "$STATE/log/setup-catalog.log"; die "catalog setup failed"; }
        touch "$STATE/.catalog-done"
    fi
    start_glance
    ( export OS_PLACEMENT_CONFIG_DIR="$STATE/etc/placement"
      gunicorn_cv placement "$PLACEMENT_PORT" placement.wsgi.api:application )
    wait_rabbitmq
    ( export OS_NOVA_CONFIG_DIR="$STATE/etc/nova" OS_NOVA_CONFIG_FILES="api-paste.ini;nova.conf;nova-api.conf"
      gunicorn_cv nova-api "$NOVA_PORT" devcloud_nova_api:application )
    local N="$STATE/etc/nova/nova.conf"
    start_svc nova-conductor "$CV/bin/nova-conductor" --config-file "$N" --log-file "$STATE/log/nova-conductor.log"
    start_svc nova-scheduler "$CV/bin/nova-scheduler" --config-file "$N" --log-file "$STATE/log/nova-scheduler.log"
    wait_for placement 90 http_ok "http://127.0.0.1:$PLACEMENT_PORT/"
    start_svc nova-compute "$CV/bin/nova-compute" --config-file "$STATE/etc/nova-compute/nova.conf" \
        --log-file "$STATE/log/nova-compute.log"
    HORIZON_CHANGED=
    horizon_prepare
    if [[ -n $HORIZON_CHANGED ]] && is_running horizon; then
        log "start: plugin or settings changed: restarting Horizon"
        stop_svc horizon
    fi
    start_horizon
    wait_for glance 90 http_any "http://127.0.0.1:$GLANCE_PORT/versions"
    wait_for neutron-standin 30 http_ok "http://127.0.0.1:$NEUTRON_PORT/v2.0/extensions"
    wait_for nova-api 120 http_any "http://127.0.0.1:$NOVA_PORT/"
    wait_for horizon 120 http_ok "http://127.0.0.1:$HORIZON_PORT/auth/login/"
    if [[ ! -f $STATE/.hosts-discovered ]]; then
        log "start: waiting for nova-compute to register, then discover_hosts"
        local t0; t0=$(now)
        until mysql_cmd -N -e "select count(*) from nova.compute_nodes where deleted=0" 2>/dev/null | grep -q '^[1-9]'; do
            (( $(now) - t0 > 120 )) && { tail -n 30 "$STATE/log/nova-compute.log"; die "nova-compute did not register"; }
            is_running nova-compute || { tail -n 30 "$STATE/log/nova-compute.log"; die "nova-compute exited"; }
            sleep 1
        done
        cv nova-manage --config-file "$N" cell_v2 discover_hosts >> "$STATE/log/setup-nova.log" 2>&1
        touch "$STATE/.hosts-discovered"
    fi
}

# ---------------------------------------------------------------- seed
phase_seed() {
    if [[ -f $STATE/.seed-done && -s $STATE/credentials.json ]]; then
        log "phase seed: already seeded"
        return 0
    fi
    log "phase seed: projects, users, flavors, images, instances (openstacksdk)"
    "$CV/bin/python" "$HERE/seed.py" --state "$STATE" \
        --keystone "http://127.0.0.1:$KEYSTONE_PORT/v3" --admin-password "$ADMIN_PASSWORD" \
        --horizon "http://127.0.0.1:$HORIZON_PORT" 2>&1 | tee -a "$STATE/log/seed.log"
    [[ ${PIPESTATUS[0]} == 0 ]] || die "seeding failed (see $STATE/log/seed.log)"
    touch "$STATE/.seed-done"
}

# ---------------------------------------------------------------- commands
cmd_up() {
    abs_state
    local t0 t1 t_install t_setup t_start t_seed
    t0=$(now); phase_install; t1=$(now); t_install=$((t1 - t0))
    log "phase install: ${t_install}s"
    t0=$(now); phase_setup; t1=$(now); t_setup=$((t1 - t0))
    log "phase setup: ${t_setup}s"
    t0=$(now); phase_start; t1=$(now); t_start=$((t1 - t0))
    log "phase start: ${t_start}s"
    t0=$(now); phase_seed; t1=$(now); t_seed=$((t1 - t0))
    log "phase seed: ${t_seed}s"
    printf '%s install=%s setup=%s start=%s seed=%s total=%s\n' "$(date -Is)" \
        "$t_install" "$t_setup" "$t_start" "$t_seed" $((t_install + t_setup + t_start + t_seed)) \
        >> "$STATE/log/timings.log"
    cat <<EOF

  patch-dashboard development cloud is up (state: $STATE)

  Horizon   http://127.0.0.1:$HORIZON_PORT/      (domain: Default)
  Keystone  http://127.0.0.1:$KEYSTONE_PORT/v3   region RegionOne

  logins    admin / $ADMIN_PASSWORD       (cloud admin, project admin)
            alpha-member / alpha-pass      (member of project alpha)
            beta-member / beta-pass        (member of project beta)

  timings   install ${t_install}s, setup ${t_setup}s, start ${t_start}s, seed ${t_seed}s
  details   $STATE/credentials.json; stop: make demo-stop; wipe: make demo-clean

EOF
}

cmd_stop() {
    abs_state
    local i name
    for (( i=${#SERVICES[@]}-1; i>=0; i-- )); do
        name=${SERVICES[$i]}
        if [[ -s $(pidfile "$name") ]]; then
            log "stop: $name"
            stop_svc "$name"
        fi
    done
    # Erlang's epmd outlives RabbitMQ: stop the one on our private port, by pid
    local epid
    epid=$(ss -Hltnp "sport = :$EPMD_PORT" 2>/dev/null | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2 || true)
    if [[ -n $epid ]] && [[ "$(cat /proc/$epid/comm 2>/dev/null)" == epmd ]]; then
        log "stop: epmd (pid $epid)"
        kill -TERM "$epid" 2>/dev/null || true
        for _ in $(seq 1 25); do
            port_open "$EPMD_PORT" || break
            sleep 0.2
        done
    fi
    log "stopped"
}

cmd_clean() {
    cmd_stop
    log "clean: removing $STATE"
    # the Horizon settings link points at this checkout; leave it, it is harmless
    rm -rf "$STATE"
}

cmd_status() {
    abs_state
    local ok=0 name url
    check() {
        if "$@" >/dev/null 2>&1; then printf '  %-16s up\n' "$name"; else printf '  %-16s DOWN\n' "$name"; ok=1; fi
    }
    name=mariadb;   check mariadb-admin --defaults-file="$STATE/etc/my.cnf" --connect-timeout=3 ping
    name=rabbitmq;  check port_open "$RABBIT_PORT"
    name=memcached; check port_open "$MEMCACHED_PORT"
    name=memcached-index; check port_open "$INDEX_CACHE_PORT"
    name=keystone;  check http_ok "http://127.0.0.1:$KEYSTONE_PORT/v3"
    name=glance;    check http_any "http://127.0.0.1:$GLANCE_PORT/versions"
    name=placement; check http_ok "http://127.0.0.1:$PLACEMENT_PORT/"
    name=nova-api;  check http_any "http://127.0.0.1:$NOVA_PORT/"
    name=neutron-standin; check http_ok "http://127.0.0.1:$NEUTRON_PORT/v2.0/extensions"
    for name in nova-conductor nova-scheduler nova-compute; do check is_running "$name"; done
    name=horizon;   check http_ok "http://127.0.0.1:$HORIZON_PORT/auth/login/"
    name=seeded;    check test -s "$STATE/credentials.json"
    return $ok
}

cmd_logs() {
    abs_state
    local f
    for f in "$STATE"/log/*.log; do
        [[ -f $f ]] || continue
        echo "===== $f ====="
        tail -n 40 "$f"
    done
}

cmd_restart_horizon() {
    abs_state
    stop_svc horizon
    rm -f "$STATE/horizon/.static.sha256"   # always collectstatic + compress again
    horizon_prepare
    start_horizon
    wait_for horizon 120 http_ok "http://127.0.0.1:$HORIZON_PORT/auth/login/"
    log "horizon restarted"
}

# after a change to Glance's configuration (e.g. the property protections): Glance is down for
# the few seconds its restart takes; the other services keep running
cmd_restart_glance() {
    abs_state
    [[ -f $STATE/.setup-done ]] || die "no development cloud in $STATE: run up first"
    glance_configs
    stop_svc glance
    start_glance
    wait_for glance 90 http_any "http://127.0.0.1:$GLANCE_PORT/versions"
    log "glance restarted"
}

# Serialise commands that start or stop things (make test may call `up` while someone else
# runs `restart-horizon`); status and logs need no lock.
with_lock() {
    abs_state
    mkdir -p "$STATE/run"
    exec 9>"$STATE/run/.lock"
    flock 9
    "$@"
}

main() {
    case "${1:-}" in
        up) with_lock cmd_up ;;
        stop) with_lock cmd_stop ;;
        clean) with_lock cmd_clean ;;
        status) cmd_status ;;
        logs) cmd_logs ;;
        restart-horizon) with_lock cmd_restart_horizon ;;
        restart-glance) with_lock cmd_restart_glance ;;
        *) echo "usage: $0 up|stop|clean|status|logs|restart-horizon|restart-glance" >&2; return 2 ;;
    esac
}

main "$@"; exit $?
