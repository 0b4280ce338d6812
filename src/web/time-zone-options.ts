import { currentZoneName, knownZones } from '../subscriptions/time-zone-names.js';

export interface ZoneOption {
  value: string;
  /** "Asia/Kolkata (UTC+05:30)": the offset today, so a reader can find their zone by the hour they know. */
  label: string;
  /** Older spellings a browser may report for the zone, for the script that preselects it. */
  aliases: string;
}

/** "GMT+05:30" or "GMT" (as Intl's longOffset writes it) as "UTC+05:30" or "UTC+00:00". */
function offsetLabel(zone: string, at: Date): string {
  const part = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' }).formatToParts(at).find((p) => p.type === 'timeZoneName');
  const offset = (part?.value ?? 'GMT').replace(/^GMT/, '');
  return `UTC${offset || '+00:00'}`;
}

let cached: { day: string; options: ZoneOption[] } | null = null;

/**
 * The time-zone select's options: UTC first, then every zone by its current
 * name, sorted, with today's offset. Offsets move with daylight saving, so
 * the list is rebuilt once a day rather than once per process.
 */
export function zoneOptions(now: Date = new Date()): ZoneOption[] {
  const day = now.toISOString().slice(0, 10);
  if (cached?.day === day) return cached.options;
  const zones = knownZones()
    .filter((zone) => zone.name !== 'UTC')
    .sort((a, b) => a.name.localeCompare(b.name));
  const options = [
    { value: 'UTC', label: 'UTC', aliases: '' },
    ...zones.map((zone) => ({ value: zone.name, label: `${zone.name.replace(/_/g, ' ')} (${offsetLabel(zone.name, now)})`, aliases: zone.aliases.join(' ') })),
  ];
  cached = { day, options };
  return options;
}

/** The option a stored or posted zone selects: an old spelling selects its current name. */
export function selectedZone(value: string): string {
  return currentZoneName(value);
}
