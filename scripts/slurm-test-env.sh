#!/usr/bin/env bash
# A one-node Slurm cluster for the Slurm backend's tests, on loopback, with non-default ports and
# a private state directory: its own munged (own key and socket), slurmctld and slurmd, none of
# them touching /etc/slurm or /run/munge. Idempotent: a running cluster is reused. Prints the path
# of its slurm.conf (the tests set SLURM_CONF to it). Needs root and Debian's slurmctld, slurmd,
# slurm-client and munge (22.05).
set -euo pipefail
D=${REPRO_SLURM_DIR:-/var/tmp/repro-slurm}
conf="$D/slurm.conf"
log() { echo "slurm-test-env: $*" >&2; }

alive() { SLURM_CONF="$conf" timeout 10 sinfo -h -o '%T' 2>/dev/null | grep -qE 'idle|mix|alloc'; }
if [ -f "$conf" ] && alive; then echo "$conf"; exit 0; fi

for p in munged slurmctld slurmd; do
  [ -f "$D/$p.pid" ] && kill "$(cat "$D/$p.pid")" 2>/dev/null || true
done
sleep 0.5
mkdir -p "$D/munge" "$D/ctld" "$D/spool"
chmod 700 "$D" "$D/munge"
[ -f "$D/munge/munge.key" ] || { dd if=/dev/urandom of="$D/munge/munge.key" bs=1024 count=1 status=none; chmod 400 "$D/munge/munge.key"; }
munged --key-file="$D/munge/munge.key" --socket="$D/munge/socket" --pid-file="$D/munged.pid" \
  --log-file="$D/munged.log" --seed-file="$D/munge/seed" --force

cpus=$(nproc); [ "$cpus" -lt 8 ] && cpus=8   # config_overrides: small test tasks share a core
cat > "$conf" <<CONF
# Written by scripts/slurm-test-env.sh: a private one-node test cluster.
ClusterName=repro-test
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
AuthInfo=socket=$D/munge/socket
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$D/ctld
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/slurmctld.pid
SlurmdPidFile=$D/slurmd.pid
SlurmctldLogFile=$D/slurmctld.log
SlurmdLogFile=$D/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
JobRequeue=0
MinJobAge=3600
KillWait=5
InactiveLimit=0
SlurmdParameters=config_overrides
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
NodeName=repro-node1 NodeAddr=127.0.0.1 NodeHostname=$(hostname) CPUs=$cpus RealMemory=2000 State=UNKNOWN
PartitionName=debug Nodes=repro-node1 Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$conf"
slurmctld -f "$conf" -i
slurmd -f "$conf" -N repro-node1
for _ in $(seq 1 60); do
  if alive; then echo "$conf"; exit 0; fi
  sleep 0.5
done
log "the cluster did not come up; see $D/slurmctld.log and $D/slurmd.log"
tail -n 20 "$D/slurmctld.log" "$D/slurmd.log" >&2 || true
exit 1
