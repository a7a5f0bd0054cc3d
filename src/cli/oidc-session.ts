// Keeping an OIDC login usable: before a command uses the stored ID token, one that expired (or
// is about to) is renewed with the stored refresh token and written back to the config file.
import { saveConfig, type CliConfig } from './config.js';
import { refreshLogin } from './oidc-login.js';
import { decodeClaims, expiryOf } from './token.js';

/** Renew this long before `exp`, so a request does not arrive with a token that just expired. */
const EARLY_MS = 30_000;

/** Renews `config.token` in place (and in the file) when it came from `login --oidc` and has
 *  expired by `now`. */
export async function renewExpiredIdToken(path: string, config: CliConfig, now: Date): Promise<void> {
  if (!config.oidc) return;
  const exp = config.token ? expiryOf(decodeClaims(config.token)) : undefined;
  if (exp && exp.getTime() - EARLY_MS > now.getTime()) return;
  const renewed = await refreshLogin(config.oidc);
  config.token = renewed.idToken;
  if (renewed.refreshToken !== undefined) config.oidc.refreshToken = renewed.refreshToken;
  await saveConfig(path, config);
}
