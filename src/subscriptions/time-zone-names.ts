/**
 * Current IANA names for the old spellings Node's ICU data still reports
 * (Intl resolves "Asia/Kolkata" to "Asia/Calcutta"). Both spellings name the
 * same zone and both are accepted; paperboy stores and shows the current one,
 * the name a reader looks for.
 */
const CURRENT_NAMES: Readonly<Record<string, string>> = {
  'Africa/Asmera': 'Africa/Asmara',
  'America/Buenos_Aires': 'America/Argentina/Buenos_Aires',
  'America/Catamarca': 'America/Argentina/Catamarca',
  'America/Coral_Harbour': 'America/Atikokan',
  'America/Cordoba': 'America/Argentina/Cordoba',
  'America/Godthab': 'America/Nuuk',
  'America/Indianapolis': 'America/Indiana/Indianapolis',
  'America/Jujuy': 'America/Argentina/Jujuy',
  'America/Louisville': 'America/Kentucky/Louisville',
  'America/Mendoza': 'America/Argentina/Mendoza',
  'Asia/Calcutta': 'Asia/Kolkata',
  'Asia/Katmandu': 'Asia/Kathmandu',
  'Asia/Rangoon': 'Asia/Yangon',
  'Asia/Saigon': 'Asia/Ho_Chi_Minh',
  'Atlantic/Faeroe': 'Atlantic/Faroe',
  'Europe/Kiev': 'Europe/Kyiv',
  'Pacific/Enderbury': 'Pacific/Kanton',
  'Pacific/Ponape': 'Pacific/Pohnpei',
  'Pacific/Truk': 'Pacific/Chuuk',
};

/** The current name of a zone as Intl spells it; a name that is already current comes back as it is. */
export function currentZoneName(zone: string): string {
  return CURRENT_NAMES[zone] ?? zone;
}

/** Every zone this runtime knows, by its current name, each with the older spellings that mean it. */
export function knownZones(): Array<{ name: string; aliases: string[] }> {
  return Intl.supportedValuesOf('timeZone').map((zone) => {
    const name = currentZoneName(zone);
    return { name, aliases: name === zone ? [] : [zone] };
  });
}
