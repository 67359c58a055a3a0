/**
 * The results page's "Certified by" section: every `audit.attestation` of the election, each
 * judged in the visitor's browser by the verifier's `certifyFromBoard` against the checkpoint
 * this page verified (signed by the election's key the board shows), with the proofs fetched
 * from this board only. The firm's report link is shown, never requested.
 */
import type { AttestationBody } from "@urna/schemas";
import { outcomeSummary, type Certification } from "../../../verifier/src/attest/certification.js";
import { reportUrlProblem } from "../../../verifier/src/election/attestation-report.js";
import { fmt, h, t, type Dict } from "./common.js";

function outcomes(b: AttestationBody): string {
  const s = outcomeSummary(b);
  return (
    t("cert.outcomes", { pass: s.pass, fail: s.fail, skip: s.skip, n: b.checks.length }) +
    (s.failed.length ? " " + t("cert.failed", { list: s.failed.join(", ") }) : "")
  );
}

function certView(c: Certification): HTMLElement {
  const b = c.body;
  const reportOk = b?.report && reportUrlProblem(b.report.url) === undefined;
  return h(
    "li",
    {
      class: `cert ${c.verified ? "pass" : "fail"}`,
      "data-index": c.index,
      "data-firm": b?.firm,
      "data-verified": c.verified ? "yes" : "no",
    },
    h(
      "h3",
      {},
      b?.firm ?? t("cert.unknown", { index: c.index }),
      " ",
      h(
        "span",
        { class: `badge ${c.verified ? "pass" : "fail"}`, "data-verdict": "" },
        t(c.verified ? "cert.verified" : "cert.notVerified"),
      ),
    ),
    b
      ? h(
          "dl",
          {},
          h("dt", {}, t("cert.verifier")),
          h("dd", {}, `${b.verifier.name} ${b.verifier.version}`),
          h("dt", {}, t("cert.checkpoint")),
          h(
            "dd",
            {},
            t("cert.size", { size: fmt(b.checkpoint.size) }),
            " · ",
            h("code", {}, b.checkpoint.root),
          ),
          h("dt", {}, t("cert.checks")),
          h("dd", { "data-outcomes": "" }, outcomes(b)),
          h("dt", {}, t("cert.opinion")),
          h("dd", { class: "opinion" }, b.opinion),
          h("dt", {}, t("cert.report")),
          h(
            "dd",
            {},
            b.report && reportOk
              ? h(
                  "a",
                  {
                    href: b.report.url,
                    rel: "noopener noreferrer",
                    class: "report-link",
                    "data-sha256": b.report.sha256,
                  },
                  t("cert.reportLink", { firm: b.firm }),
                )
              : b.report
                ? h("code", {}, b.report.url)
                : t("cert.noReport"),
            b.report ? h("br", {}) : null,
            b.report ? h("span", {}, "SHA-256: ", h("code", {}, b.report.sha256)) : null,
          ),
          h("dt", {}, t("cert.entry")),
          h("dd", {}, String(c.index)),
        )
      : null,
    c.problems.length
      ? h(
          "ul",
          { class: "reasons" },
          ...c.problems.map((p) =>
            h(
              "li",
              { "data-code": p.code },
              t(`cert.why.${p.code}`),
              " (",
              h("code", {}, p.code),
              "): ",
              p.message,
            ),
          ),
        )
      : h("p", { class: "pass" }, t("cert.allGood")),
  );
}

/** The section, or null when nothing is known yet. */
export function certifiedView(certs: readonly Certification[] | undefined): HTMLElement | null {
  if (!certs) return null;
  return h(
    "section",
    { class: "panel", id: "certified", "aria-labelledby": "certified-h" },
    h("h2", { id: "certified-h" }, t("cert.title")),
    h("p", {}, t("cert.intro")),
    certs.length === 0
      ? h("p", { id: "no-certs" }, t("cert.none"))
      : h("ul", { class: "certs" }, ...certs.map(certView)),
    h("p", { class: "note-line" }, t("cert.trust")),
  );
}

const S = (es: string, en: string) => ({ es, en });
export const CERT_TEXTS: Dict = {
  "cert.title": S("Certificado por", "Certified by"),
  "cert.intro": S(
    "Las firmas auditoras que la elección designa publican en el tablero una atestación firmada de lo que su verificador encontró. Su navegador comprueba cada una: la firma digital es de la firma auditora que el manifiesto nombra, la atestación está en el registro verificado, el punto de control que atestigua es consistente con el actual, y su huella corresponde al resultado que se muestra aquí.",
    "The auditing firms the election names post on the board a signed attestation of what their verifier found. Your browser checks each one: the digital signature is that of the firm the manifest names, the attestation is on the verified log, the checkpoint it attests is consistent with the current one, and its fingerprint matches the result shown here.",
  ),
  "cert.none": S(
    "Ninguna firma auditora ha publicado todavía una atestación.",
    "No auditing firm has posted an attestation yet.",
  ),
  "cert.verified": S("verificada", "verified"),
  "cert.notVerified": S("NO verificada", "NOT verified"),
  "cert.unknown": S("Atestación (entrada {index})", "Attestation (entry {index})"),
  "cert.verifier": S("Verificador", "Verifier"),
  "cert.checkpoint": S("Punto de control verificado", "Checkpoint verified"),
  "cert.size": S("{size} entradas", "{size} entries"),
  "cert.checks": S("Comprobaciones", "Checks"),
  "cert.outcomes": S(
    "{pass} de {n} pasan, {fail} fallan, {skip} omitidas (según la firma).",
    "{pass} of {n} pass, {fail} fail, {skip} skipped (as the firm states).",
  ),
  "cert.failed": S("Fallan: {list}.", "Failed: {list}."),
  "cert.opinion": S("Opinión", "Opinion"),
  "cert.report": S("Informe completo", "Full report"),
  "cert.reportLink": S(
    "Informe de {firm} (en el sitio de la firma)",
    "{firm}'s report (on the firm's site)",
  ),
  "cert.noReport": S("La atestación no nombra un informe.", "The attestation names no report."),
  "cert.entry": S("Entrada del registro", "Log entry"),
  "cert.allGood": S(
    "Firma, inclusión, consistencia y huella del resultado comprobadas en su navegador.",
    "Signature, inclusion, consistency and result fingerprint checked in your browser.",
  ),
  "cert.trust": S(
    "La llave con la que esta página verifica el punto de control la da el propio tablero; la comprobación independiente es urna-verify con el archivo de confianza oficial (V18), que además recalcula cada resultado de las comprobaciones. El enlace al informe lleva al sitio de la firma: esta página no lo descarga; compare su SHA-256 con el mostrado.",
    "The key this page verifies the checkpoint with comes from the board itself; the independent check is urna-verify with the official trust file (V18), which also recomputes every check's outcome. The report link leads to the firm's site: this page does not download it; compare its SHA-256 with the one shown.",
  ),
  "cert.why.BAD_ENTRY": S(
    "La entrada no es una atestación válida",
    "The entry is not a valid attestation",
  ),
  "cert.why.BAD_SIGNATURE": S("Firma digital inválida", "Invalid digital signature"),
  "cert.why.UNKNOWN_FIRM": S(
    "No la firmó la firma auditora que el manifiesto nombra",
    "Not signed by the auditing firm the manifest names",
  ),
  "cert.why.NOT_INCLUDED": S(
    "No se pudo comprobar que esté en el registro verificado",
    "Could not be shown to be on the verified log",
  ),
  "cert.why.ATTESTATION_CHECKPOINT": S(
    "Atestigua un punto de control fuera de lo permitido",
    "Attests a checkpoint outside the allowed range",
  ),
  "cert.why.NOT_CONSISTENT": S(
    "Su punto de control no es consistente con el actual",
    "Its checkpoint is not consistent with the current one",
  ),
  "cert.why.TABLE_MISMATCH": S(
    "Su huella no corresponde al resultado mostrado",
    "Its fingerprint does not match the result shown",
  ),
  "cert.why.ATTESTATION_REPORT": S("Enlace al informe no válido", "Invalid report link"),
};
