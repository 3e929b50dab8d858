/**
 * One line for a sign-in that failed. DefaultAzureCredential throws an
 * AggregateAuthenticationError (or CredentialUnavailableError) whose message
 * lists every credential of its chain, about ten lines; users need to know
 * what to do, not the chain. Error names as @azure/identity sets them
 * (learn.microsoft.com/javascript/api/@azure/identity/aggregateauthenticationerror,
 * .../credentialunavailableerror).
 */
const SIGN_IN_ERRORS = new Set(["AggregateAuthenticationError", "CredentialUnavailableError", "AuthenticationRequiredError"]);

export const SIGN_IN_HINT =
  "run `az login` (and `az account set --subscription <id>`), or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET for a service principal";

/** The one-line reason when `err` is a failed sign-in; undefined for any other error. */
export function signInProblem(err: unknown, what: string): string | undefined {
  const name = (err as { name?: unknown } | undefined)?.name;
  if (typeof name !== "string" || !SIGN_IN_ERRORS.has(name)) return undefined;
  return `no Azure credentials for ${what}: ${SIGN_IN_HINT}`;
}
