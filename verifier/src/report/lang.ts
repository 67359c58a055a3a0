/**
 * The languages of the text and HTML reports (spec/record.md §Verification report, Language):
 * Spanish and English. Without `--lang`, an election whose id starts with `mx-` (Mexico's ISO
 * 3166 code, as INE's election ids do) is reported in Spanish, any other in English. The JSON
 * report is the same in every language (its codes and field names are for machines).
 */
import type { CheckId } from "../election/findings.js";

export type ReportLang = "es" | "en";

export const REPORT_LANGS: readonly ReportLang[] = ["es", "en"];

/** Spanish for an election id starting with "mx-" (any case), else English. */
export const defaultReportLang = (election: string): ReportLang =>
  /^mx-/i.test(election) ? "es" : "en";

const CHECK_TITLES_ES: Readonly<Record<CheckId, string>> = {
  V1: "Raíz del registro",
  V2: "Firma del tablero",
  V3: "Quórum de testigos",
  V4: "Formato de las entradas",
  V5: "Firmas y firmantes de las entradas",
  V6: "Manifiesto",
  V7: "Fases",
  V8: "Ceremonia y llave conjunta",
  V9: "Lista de credenciales",
  V10: "Elegibilidad y estructura de las boletas",
  V11: "Una boleta contada por credencial",
  V12: "Pruebas de las boletas",
  V13: "Boletas auditadas y reutilización de cifrados",
  V14: "Cómputo cifrado",
  V15: "Partes de descifrado",
  V16: "Combinación",
  V17: "Resultado y etiquetas",
  V18: "Atestaciones de los auditores",
};

/** A check's title in `lang` (the report's own English title when not a known check). */
export const checkTitle = (id: string, title: string, lang: ReportLang): string =>
  lang === "es" && id in CHECK_TITLES_ES ? CHECK_TITLES_ES[id as CheckId] : title;

const S = (es: string, en: string) => ({ es, en });

const TEXTS = {
  title: S("Informe de verificación de urna", "urna verification report"),
  election: S("Elección", "Election"),
  origin: S("Origen del punto de control", "Checkpoint origin"),
  size: S("Tamaño del registro", "Log size"),
  entriesUnit: S("entradas", "entries"),
  root: S("Hash raíz", "Root hash"),
  verifier: S("Verificador", "Verifier"),
  started: S("Inicio", "Started"),
  took: S("duró", "took"),
  check: S("Verificación", "Check"),
  status: S("Estado", "Status"),
  items: S("Elementos", "Items"),
  titleAndFailures: S("Título y fallas", "Title and failures"),
  checks: S("Verificaciones (spec/verification.md)", "Checks (spec/verification.md)"),
  pass: S("correcto", "pass"),
  fail: S("FALLA", "FAIL"),
  skip: S("omitida", "skip"),
  andMore: S("… y {n} más", "… and {n} more"),
  result: S("Resultado", "Result"),
  decryptedBy: S("Descifrado por los custodios {c}.", "Decrypted by custodians {c}."),
  decryptedByShort: S("descifrado por los custodios {c}", "decrypted by custodians {c}"),
  option: S("Opción", "Option"),
  votes: S("Votos", "Votes"),
  total: S("Total", "Total"),
  allPassed: S("Todas las verificaciones pasaron.", "All checks passed."),
  failed: S("LA VERIFICACIÓN FALLÓ", "VERIFICATION FAILED"),
  notFinished: S("ELECCIÓN NO CONCLUIDA", "ELECTION NOT FINISHED"),
  notFinishedText: S(
    "todas las verificaciones que pudieron ejecutarse pasaron; omitidas: {s}.",
    "every check that could run passed; skipped: {s}.",
  ),
  noResultFailed: S(
    "No hay resultado verificado: fallaron {f}, y un resultado solo se verifica cuando todas las verificaciones pasan.",
    "No verified result: {f} failed, and a result is verified only when every check passes.",
  ),
  noResultSkipped: S(
    "No hay resultado verificado: la elección no ha concluido ({s} omitidas{why}).",
    "No verified result: the election is not finished ({s} skipped{why}).",
  ),
  noResultNone: S(
    "No hay resultado verificado: el informe no contiene ninguno.",
    "No verified result: the report carries none.",
  ),
  noWitness: S("NINGÚN TESTIGO VERIFICADO", "NO WITNESS CHECKED"),
  noWitnessText: S(
    "el quórum del archivo de confianza es 0: ningún testigo independiente respaldó el punto de control, así que un tablero que mostrara registros distintos a distintas personas no se detectaría.",
    "the trust file's quorum is 0: no independent witness vouched for the checkpoint, so a board showing different logs to different people would not be detected.",
  ),
  trustSection: S("Material de confianza usado", "Trust material used"),
  trustFile: S("Archivo de confianza (SHA-256)", "Trust file (SHA-256)"),
  trustHashedFile: S("de los bytes del archivo", "of the file's bytes"),
  trustHashedJcs: S("de su JSON canónico (RFC 8785)", "of its canonical JSON (RFC 8785)"),
  trustVersion: S("Versión del archivo de confianza", "Trust file version"),
  boardKey: S("Llave del tablero", "Board key"),
  witnesses: S("Testigos", "Witnesses"),
  none: S("ninguno", "none"),
  quorum: S("Quórum", "Quorum"),
  authority: S("Llave de la autoridad", "Authority key"),
  manifestBaseHash: S("baseHash del manifiesto", "Manifest baseHash"),
  registrar: S("Llave del registro de electores", "Registrar key"),
  custodians: S("Llaves de los custodios", "Custodian keys"),
  registered: S("Electores registrados por estilo", "Registered voters per style"),
  notPinned: S("no fijado (archivo de confianza versión 1)", "not pinned (trust file version 1)"),
  recordSection: S("Registro verificado", "Record verified"),
  checkpointSha: S("Punto de control (SHA-256)", "Checkpoint (SHA-256)"),
  entriesSha: S("Entradas (SHA-256)", "Entries (SHA-256)"),
  entriesShaNote: S(
    "de las primeras {n} líneas de entries.jsonl, cada una con su salto de línea",
    "of the first {n} lines of entries.jsonl, each with its line feed",
  ),
  buildSection: S("Verificador y equipo", "Verifier and machine"),
  version: S("Versión", "Version"),
  commit: S("Commit", "Commit"),
  runtime: S("Entorno de ejecución", "Runtime"),
  backend: S("Criptografía", "Crypto backend"),
  workers: S("Hilos de trabajo", "Worker threads"),
  machine: S("Equipo", "Machine"),
  cores: S("núcleos", "cores"),
  duration: S("Tiempo de verificación", "Time taken"),
  unknown: S("desconocido", "unknown"),
  fingerprintSection: S("Huellas para comparar a mano", "Fingerprints to compare by hand"),
  fingerprintIntro: S(
    "Las dos firmas auditoras comparan estas huellas entre sí: si coinciden, verificaron el mismo archivo de confianza y el mismo registro, con los mismos resultados.",
    "The two auditing firms compare these fingerprints with each other: when they match, both verified the same trust file and the same record, with the same outcomes.",
  ),
  fpCombined: S("Huella del informe", "Report fingerprint"),
  fpTable: S("Tabla de resultados (SHA-256)", "Result table (SHA-256)"),
  certification: S("Certificación", "Certification"),
  certText: S(
    "Los abajo firmantes ejecutaron el verificador indicado sobre el registro identificado por el origen, el tamaño y el hash raíz del punto de control mostrados, con material de confianza obtenido de forma independiente del registro, y certifican que este informe es su salida completa.",
    "The undersigned ran the verifier above on the record identified by the checkpoint origin, size and root hash shown, with trust material obtained independently of the record, and certify that this report is its complete output.",
  ),
  firmN: S("Firma auditora {n}", "Auditing firm {n}"),
  firmName: S("Nombre de la firma", "Firm name"),
  auditor: S("Auditor (nombre y cargo)", "Auditor (name and title)"),
  date: S("Fecha", "Date"),
  signature: S("Firma", "Signature"),
  warnings: S("Advertencias", "Warnings"),
  totalRow: S("total", "total"),
  cpWord: S("punto de control", "checkpoint"),
  sizeWord: S("tamaño", "size"),
  rootWord: S("raíz", "root"),
  checkWord: S("verif.", "check"),
  statusWord: S("estado", "status"),
  itemsWord: S("elementos", "items"),
  titleWord: S("título", "title"),
} as const;

export type ReportTextKey = keyof typeof TEXTS;

/** The text for `key` in `lang`, with {name} placeholders filled. */
export function tr(
  lang: ReportLang,
  key: ReportTextKey,
  vars: Record<string, string> = {},
): string {
  return TEXTS[key][lang].replace(/\{(\w+)\}/g, (m, k: string) => vars[k] ?? m);
}
