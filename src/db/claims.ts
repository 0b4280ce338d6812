import os from 'node:os';

/*
 * Claims and leases, shared by every queue that hands rows to a relay (the
 * digest ledger and the form-email queue): a row in `sending` names its
 * runner, and a runner that died or overstayed its lease loses it.
 */

/** A claimed row's owner and when it claimed it, for telling abandoned claims from live ones. */
export interface Claim {
  owner: string;
  claimedAt: string;
}

/**
 * A runner holding `sending` rows longer than this is taken to be stuck or
 * gone. One hand-off takes seconds (SMTP timeouts are 10–30 s), so this only
 * matters for a runner on another machine, whose process this one cannot see.
 */
export const CLAIM_LEASE_MS = 30 * 60_000;

/** How this process signs its claims: host and process id, so a restart on the same host can see the old one is dead. */
export function runnerName(): string {
  return `${os.hostname()}/${process.pid}`;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether rows a claimant holds in `sending` were abandoned: its process died
 * (killed, crashed, the machine restarted), or it held them past the lease.
 * This runner's own claims count as abandoned when it asks, because it only
 * asks before it starts claiming.
 */
export function isAbandoned(claim: Claim, self: string, now: Date): boolean {
  if (claim.owner === self) return true;
  if (now.getTime() - Date.parse(claim.claimedAt) > CLAIM_LEASE_MS) return true;
  return processGone(claim.owner, self);
}

/** Whether the runner named `owner` ('host/pid') ran on this host and its process is no longer there. */
export function processGone(owner: string, self: string): boolean {
  const [host, pid] = owner.split('/');
  const selfHost = self.split('/')[0];
  return host === selfHost && /^\d+$/.test(pid ?? '') && !processAlive(Number(pid));
}
