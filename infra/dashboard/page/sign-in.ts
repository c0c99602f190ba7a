/**
 * Signing analysts in at the hub's OpenID provider from the dashboard page: the authorization-code flow
 * with PKCE (S256) for a public client, with `oauth4webapi`. The page learns the issuer, client id and
 * scopes from the meta tags the dashboard function fills in; the redirect URI is the page's own URL.
 * The access token, its expiry and who signed in live in the tab's session storage only.
 */
import * as oauth from 'oauth4webapi';

/** Where the page signs in, as the served page says. */
export interface SignInSettings {
  readonly issuer: string;
  readonly clientId: string;
  readonly scopes: string;
}

/** The bearer token the page calls the API with (a pasted token, or the access token of a sign-in). */
export const TOKEN_KEY = 'cityhub.analystToken';
const EXPIRES_AT_KEY = 'cityhub.tokenExpiresAt';
const WHO_KEY = 'cityhub.signedInAs';
/** When the last sign-in finished (ms): a token refused right after it does not start another one. */
const SIGNED_IN_AT_KEY = 'cityhub.signedInAt';
/** The state and PKCE verifier of a sign-in on its way through the provider. */
const PENDING_KEY = 'cityhub.signInPending';
/** A token this close to its expiry counts as expired: a request with it could arrive too late. */
const EXPIRY_MARGIN_MS = 30_000;
/** A token refused within this long after signing in is a problem to show, not a reason to sign in again. */
const RETRY_GUARD_MS = 60_000;

const meta = (name: string): string =>
  document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content.trim() ?? '';

/** The sign-in settings of the served page; none when the hub takes a pasted token (the local default). */
export const signInSettings = (): SignInSettings | undefined => {
  const issuer = meta('cityhub-sign-in-issuer');
  const clientId = meta('cityhub-sign-in-client-id');
  // An unfilled placeholder (a page not served by the dashboard function) is no setting either.
  if (!issuer || !clientId || issuer.startsWith('%')) return undefined;
  return { issuer, clientId, scopes: meta('cityhub-sign-in-scopes') || 'openid' };
};

/** The page's own address, where the provider sends the browser back. */
const redirectUri = () => `${window.location.origin}${window.location.pathname}`;

/** Plain http only for a provider on this machine (a local test provider); anything else must be https. */
const requestOptions = (issuer: URL) =>
  issuer.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(issuer.hostname)
    ? { [oauth.allowInsecureRequests]: true }
    : {};

const discover = async (settings: SignInSettings) => {
  const issuer = new URL(settings.issuer);
  const options = requestOptions(issuer);
  const server = await oauth.processDiscoveryResponse(
    issuer,
    await oauth.discoveryRequest(issuer, { ...options, algorithm: 'oidc' }),
  );
  return { server, client: { client_id: settings.clientId } satisfies oauth.Client, options };
};

let leaving: Promise<void> | undefined;

/**
 * Sends the browser to the provider's authorization endpoint with a fresh state and PKCE challenge;
 * resolves only if that fails to start (the page is left otherwise). Called twice, it leaves once.
 */
export const beginSignIn = (settings: SignInSettings): Promise<void> => {
  leaving ??= (async () => {
    const { server } = await discover(settings);
    if (!server.authorization_endpoint)
      throw new Error(`${settings.issuer} names no authorization_endpoint in its discovery document`);
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const target = new URL(server.authorization_endpoint);
    target.search = new URLSearchParams({
      client_id: settings.clientId,
      response_type: 'code',
      redirect_uri: redirectUri(),
      scope: settings.scopes,
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }).toString();
    sessionStorage.setItem(PENDING_KEY, JSON.stringify({ state, verifier }));
    window.location.assign(target.href);
  })().catch((error: unknown) => {
    leaving = undefined;
    throw error;
  });
  return leaving;
};

/** Why a sign-in that came back from the provider was not accepted. */
export class SignInError extends Error {}

/**
 * Finishes a sign-in when the provider has sent the browser back here: checks the state, trades the
 * code (with the PKCE verifier) at the token endpoint and keeps the access token. The code and state
 * leave the address bar either way. Does nothing on an ordinary visit.
 *
 * @throws SignInError with the provider's or the check's reason.
 */
export const finishSignIn = async (settings: SignInSettings): Promise<void> => {
  const here = new URL(window.location.href);
  if (!here.searchParams.has('code') && !here.searchParams.has('error')) return;
  const pending = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  window.history.replaceState(null, '', redirectUri());
  // A reload of an address already used, or a sign-in begun in another tab: nothing to finish here.
  if (!pending) return;
  const { state, verifier } = JSON.parse(pending) as { state: string; verifier: string };
  const { server, client, options } = await discover(settings);
  let parameters: URLSearchParams;
  try {
    parameters = oauth.validateAuthResponse(server, client, here, state);
  } catch (error) {
    throw new SignInError(describe(error));
  }
  try {
    const answer = await oauth.processAuthorizationCodeResponse(
      server,
      client,
      await oauth.authorizationCodeGrantRequest(
        server,
        client,
        oauth.None(),
        parameters,
        redirectUri(),
        verifier,
        options,
      ),
    );
    const claims = oauth.getValidatedIdTokenClaims(answer);
    const who = [claims?.email, claims?.preferred_username, claims?.name, claims?.sub].find(
      (value): value is string => typeof value === 'string' && value.length > 0,
    );
    const now = Date.now();
    sessionStorage.setItem(TOKEN_KEY, answer.access_token);
    sessionStorage.setItem(SIGNED_IN_AT_KEY, String(now));
    if (answer.expires_in !== undefined)
      sessionStorage.setItem(EXPIRES_AT_KEY, String(now + answer.expires_in * 1000));
    else sessionStorage.removeItem(EXPIRES_AT_KEY);
    if (who) sessionStorage.setItem(WHO_KEY, who);
    else sessionStorage.removeItem(WHO_KEY);
  } catch (error) {
    throw new SignInError(describe(error));
  }
};

/** The provider's own words when it gave them (`error_description`), else the error's message. */
const describe = (error: unknown): string => {
  if (error instanceof oauth.AuthorizationResponseError || error instanceof oauth.ResponseBodyError)
    return `${error.error}${error.error_description ? `: ${error.error_description}` : ''}`;
  return (error as Error).message;
};

/** True when the stored token is past (or near) the expiry the provider gave it. */
export const tokenExpired = (): boolean => {
  const expiresAt = Number(sessionStorage.getItem(EXPIRES_AT_KEY) ?? Number.NaN);
  return Number.isFinite(expiresAt) && Date.now() >= expiresAt - EXPIRY_MARGIN_MS;
};

/** True just after a sign-in finished: a refusal now would only repeat after another one. */
export const signedInRecently = (): boolean =>
  Date.now() - Number(sessionStorage.getItem(SIGNED_IN_AT_KEY) ?? 0) < RETRY_GUARD_MS;

/** Who signed in, as the ID token names them (email, user name, name or subject). */
export const signedInAs = (): string | undefined => sessionStorage.getItem(WHO_KEY) ?? undefined;

/** Forgets the token (and its expiry and owner) of this tab. */
export const forgetToken = () => {
  for (const key of [TOKEN_KEY, EXPIRES_AT_KEY, WHO_KEY]) sessionStorage.removeItem(key);
};
