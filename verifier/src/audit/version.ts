/** The verifier's name and version as reports carry it. */
export const VERIFIER_VERSION = "0.1.0";
export const VERIFIER_NAME = `urna-verify ${VERIFIER_VERSION}`;
