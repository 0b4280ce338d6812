import { describe, expect, it } from 'vitest';
import { digestWorld, type DigestWorld } from '../helpers/digest.js';
import { paper } from '../helpers/papers.js';

/** Runs the scheduler every `stepMinutes` from `from` to `to`, as the cron job would. */
async function tickThrough(world: DigestWorld, from: string, to: string, stepMinutes: number, beforeTick?: (at: Date) => void) {
  for (let t = Date.parse(from); t <= Date.parse(to); t += stepMinutes * 60_000) {
    beforeTick?.(new Date(t));
    await world.run(new Date(t).toISOString());
  }
}

/** A new zebrafish paper each hour, so every digest has something new. */
function hourlyPapers(world: DigestWorld) {
  return (at: Date) => {
    if (at.getUTCMinutes() === 0) world.addPapers([paper({ title: `Zebrafish study of ${at.toISOString()}` })], at.toISOString());
  };
}

describe('digests go out at each subscriber\'s local send hour', () => {
  it('sends Asia/Tokyo at 08:00 when it is 23:00 UTC the day before', async () => {
    const world = await digestWorld();
    world.subscribe({ email: 'kenji@example.jp', topics: ['zebrafish'], timezone: 'Asia/Tokyo', sendHour: 8 });
    world.addPapers([paper({ title: 'Zebrafish fins regrow' })], '2026-11-26T12:00:00Z');

    expect((await world.run('2026-11-26T22:59:00Z')).sent).toBe(0);
    expect(world.sink.received).toHaveLength(0);

    expect((await world.run('2026-11-26T23:00:00Z')).sent).toBe(1);
    expect(world.inbox('kenji@example.jp')).toHaveLength(1);
    expect(world.ledger()).toMatchObject([{ digest_key: '2026-11-27', status: 'sent' }]);
  });

  it('keeps America/New_York to one digest a day across both daylight-saving changes', async () => {
    const world = await digestWorld();
    // 01:00 happens twice on the fall-back day; 02:00 never happens on the spring-forward day.
    world.subscribe({ email: 'one@example.com', topics: ['zebrafish'], timezone: 'America/New_York', sendHour: 1 });
    world.subscribe({ email: 'two@example.com', topics: ['zebrafish'], timezone: 'America/New_York', sendHour: 2 });
    const papers = hourlyPapers(world);

    // From local midnight (EDT, then EST) on the day before each change to midday two days after it.
    await tickThrough(world, '2026-10-31T04:00:00Z', '2026-11-03T17:00:00Z', 15, papers);
    await tickThrough(world, '2027-03-13T05:00:00Z', '2027-03-16T16:00:00Z', 15, papers);

    const keys = (email: string) =>
      world.ledger().filter((row) => row.subscriber_id === world.services.subscribers.findByEmail(email)!.id).map((row) => row.digest_key);
    const expected = ['2026-10-31', '2026-11-01', '2026-11-02', '2026-11-03', '2027-03-13', '2027-03-14', '2027-03-15', '2027-03-16'];
    expect(keys('one@example.com')).toEqual(expected);
    expect(keys('two@example.com')).toEqual(expected);
    expect(world.inbox('one@example.com')).toHaveLength(8);
    expect(world.inbox('two@example.com')).toHaveLength(8);

    // On the spring-forward day, 02:00 does not exist: the digest goes at 03:00 EDT (07:00 UTC).
    const spring = world.inbox('two@example.com').find((mail) => mail.parsed.date!.toISOString().startsWith('2027-03-14'))!;
    expect(spring.parsed.date!.toISOString()).toBe('2027-03-14T07:00:00.000Z');
    // On the fall-back day, the first 01:00 (EDT, 05:00 UTC) sends; the second (EST, 06:00 UTC) does not.
    const fall = world.inbox('one@example.com').filter((mail) => mail.parsed.date!.toISOString().startsWith('2026-11-01'));
    expect(fall.map((mail) => mail.parsed.date!.toISOString())).toEqual(['2026-11-01T05:00:00.000Z']);
  });

  it('sends a weekly digest on the subscriber\'s weekday only, once a week', async () => {
    const world = await digestWorld();
    world.subscribe({ email: 'weekly@example.de', topics: ['zebrafish'], timezone: 'Europe/Berlin', frequency: 'weekly', weekday: 1, sendHour: 9 });
    await tickThrough(world, '2026-11-23T00:00:00Z', '2026-12-06T23:00:00Z', 60, hourlyPapers(world));

    const mails = world.inbox('weekly@example.de');
    // Two Mondays fall in the two weeks: 23 and 30 November, at 09:00 in Berlin (08:00 UTC).
    expect(mails.map((mail) => mail.parsed.date!.toISOString())).toEqual(['2026-11-23T08:00:00.000Z', '2026-11-30T08:00:00.000Z']);
    expect(world.ledger().map((row) => row.digest_key)).toEqual(['2026-W48', '2026-W49']);
  });

  it('sends a digest missed during downtime later the same local day, not the next', async () => {
    const world = await digestWorld();
    world.subscribe({ email: 'late@example.com', topics: ['zebrafish'], timezone: 'Europe/Paris', sendHour: 8 });
    world.addPapers([paper({ title: 'Zebrafish before the outage' })], '2026-11-26T12:00:00Z');

    // Down from before 08:00 until 21:30 Paris time (20:30 UTC).
    const late = await world.run('2026-11-27T20:30:00Z');
    expect(late.sent).toBe(1);
    expect(world.ledger()).toMatchObject([{ digest_key: '2026-11-27', status: 'sent' }]);

    // Just after midnight it is a new day whose send hour has not come: nothing goes out.
    expect((await world.run('2026-11-27T23:30:00Z')).due).toBe(0);
    expect(world.sink.received).toHaveLength(1);
  });
});
