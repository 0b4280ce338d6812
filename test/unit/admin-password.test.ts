import { describe, expect, it } from 'vitest';
import { AdminPassword, hashPassword } from '../../src/admin/password.js';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('the admin password', () => {
  it('checks a password given in the clear or as its scrypt hash', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]+=*$/);
    expect(loadConfig({ ADMIN_PASSWORD: hash }).adminPassword).toBe(hash);
    for (const setting of [hash, 'correct horse battery staple']) {
      const password = new AdminPassword(setting);
      await expect(password.verify('correct horse battery staple')).resolves.toBe(true);
      await expect(password.verify('correct horse battery stapler')).resolves.toBe(false);
      await expect(password.verify('')).resolves.toBe(false);
    }
  });

  it('refuses a short password, a broken hash or a short metrics token, without echoing them', () => {
    for (const [name, value] of [['ADMIN_PASSWORD', 'short'], ['ADMIN_PASSWORD', 'scrypt$1$2$3$nope'], ['METRICS_TOKEN', 'tiny']]) {
      expect(() => loadConfig({ [name!]: value })).toThrow(ConfigError);
      expect(() => loadConfig({ [name!]: value })).toThrow(new RegExp(`^${name} must be`));
      expect(() => loadConfig({ [name!]: value })).not.toThrow(value);
    }
    expect(loadConfig({})).toMatchObject({ adminPassword: null, metricsToken: null, retentionDays: 180, pruneSchedule: '23 3 * * *', adminLoginRateLimit: 5 });
  });
});
