import { fileURLToPath } from 'node:url';

/** A saved source response under `test/kit/fixtures/`, for the tests and the scripts alike. */
export const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** The first entries of a real `GET /api/daily_papers?date=2024-10-25` response. */
export const HF_SAMPLE_FILE = fixture('hf-daily-papers-2024-10-25.json');
