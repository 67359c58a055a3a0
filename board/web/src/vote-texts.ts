/** The booth's texts (vote.ts), Spanish and English; `err.<CODE>` is the message of a refusal. */
export const VOTE_TEXTS = {
  "title.vote": { es: "Votar", en: "Vote" },
  "v.h1": { es: "Votar: {title}", en: "Vote: {title}" },
  "v.trust.h": { es: "En qué confiar", en: "What to trust" },
  "v.trust.1": {
    es: "Su credencial se lee en este navegador y nunca se envía: solo sale de aquí la boleta cifrada y firmada. Nunca comparta su archivo de credencial ni se lo dé a nadie.",
    en: "Your credential is read in this browser and never sent: only the encrypted, signed ballot leaves it. Never share your credential file or give it to anyone.",
  },
  "v.trust.2": {
    es: "No confíe a ciegas en que este navegador cifra lo que usted marcó: compruébelo auditando (botón «Auditar») una o varias veces antes de emitir. Una boleta auditada se abre y no cuenta.",
    en: "Do not blindly trust that this browser encrypts what you marked: check it by challenging (the “Challenge” button) once or more before casting. A challenged ballot is opened and does not count.",
  },
  "v.trust.3": {
    es: "Verifique su comprobante desde otro dispositivo en la página «Verificar comprobante», o con urna-verify y el archivo de confianza oficial de la autoridad electoral.",
    en: "Check your receipt from another device on the “Check a receipt” page, or with urna-verify and the electoral authority's official trust file.",
  },
  "v.backend": {
    es: "Cifrado en este navegador con el motor {backend} del verificador.",
    en: "Encryption in this browser with the verifier's {backend} engine.",
  },
  "v.cred.h": { es: "1. Su credencial", en: "1. Your credential" },
  "v.cred.label": { es: "Archivo de credencial (.json)", en: "Credential file (.json)" },
  "v.cred.drop": {
    es: "…o arrástrelo y suéltelo aquí.",
    en: "…or drag and drop it here.",
  },
  "v.cred.loaded": {
    es: "Credencial cargada: boleta «{style}».",
    en: "Credential loaded: ballot “{style}”.",
  },
  "v.mark.h": { es: "2. Marque su boleta", en: "2. Mark your ballot" },
  "v.rule.exact": { es: "Marque exactamente {n}.", en: "Mark exactly {n}." },
  "v.rule.upTo": {
    es: "Marque hasta {max} (puede dejarla en blanco).",
    en: "Mark up to {max} (you may leave it blank).",
  },
  "v.rule.range": { es: "Marque de {min} a {max}.", en: "Mark from {min} to {max}." },
  "v.encrypt": { es: "Cifrar mi boleta", en: "Encrypt my ballot" },
  "v.encrypting": { es: "Cifrando…", en: "Encrypting…" },
  "v.enc.h": { es: "3. Su boleta cifrada", en: "3. Your encrypted ballot" },
  "v.enc.code": {
    es: "Código de seguimiento de esta boleta cifrada:",
    en: "Tracking code of this encrypted ballot:",
  },
  "v.enc.explain": {
    es: "Emítala, o audítela para comprobar que el navegador cifró lo que usted marcó (la boleta auditada se abre y no cuenta; después se cifra de nuevo).",
    en: "Cast it, or challenge it to check that the browser encrypted what you marked (a challenged ballot is opened and does not count; it is then encrypted afresh).",
  },
  "v.yourMarks": { es: "Lo que usted marcó", en: "What you marked" },
  "v.cast": { es: "Emitir mi voto", en: "Cast my vote" },
  "v.challenge": { es: "Auditar esta boleta", en: "Challenge this ballot" },
  "v.change": { es: "Cambiar mis marcas", en: "Change my marks" },
  "v.posting": { es: "Enviando al tablero…", en: "Sending to the board…" },
  "v.ch.h": { es: "Boleta auditada", en: "Challenged ballot" },
  "v.ch.code": {
    es: "Código de seguimiento de la boleta abierta (otra entrada del tablero, que no cuenta):",
    en: "Tracking code of the opened ballot (another entry on the board, which does not count):",
  },
  "v.ch.ok": {
    es: "El tablero guardó la boleta abierta y este navegador comprobó que sus cifrados contienen exactamente lo que se revela.",
    en: "The board stored the opened ballot and this browser checked that its ciphertexts hold exactly what is revealed.",
  },
  "v.ch.bad": {
    es: "¡Atención! La boleta abierta no corresponde a sus cifrados: {msg}. No emita su voto con este dispositivo.",
    en: "Warning! The opened ballot does not match its ciphertexts: {msg}. Do not cast your vote on this device.",
  },
  "v.ch.match": {
    es: "Las opciones reveladas coinciden con lo que usted marcó.",
    en: "The revealed choices equal what you marked.",
  },
  "v.ch.mismatch": {
    es: "¡Las opciones reveladas NO coinciden con lo que usted marcó! No emita su voto con este dispositivo.",
    en: "The revealed choices do NOT equal what you marked! Do not cast your vote on this device.",
  },
  "v.ch.contest": { es: "Contienda", en: "Contest" },
  "v.ch.option": { es: "Opción", en: "Option" },
  "v.ch.marked": { es: "Marcada por usted", en: "Marked by you" },
  "v.ch.revealed": { es: "Revelada", en: "Revealed" },
  "v.yes": { es: "sí", en: "yes" },
  "v.no": { es: "no", en: "no" },
  "v.ch.other": {
    es: "Para comprobarlo desde otro dispositivo, abra este enlace allí:",
    en: "To check it from another device, open this link there:",
  },
  "v.ch.link": { es: "comprobante de la boleta auditada", en: "receipt of the challenged ballot" },
  "v.ch.again": { es: "Cifrar de nuevo", en: "Encrypt again" },
  "v.cast.h": { es: "Su voto fue emitido", en: "Your vote was cast" },
  "v.cast.code": { es: "Código de seguimiento:", en: "Tracking code:" },
  "v.cast.index": { es: "Entrada número {n} del tablero.", en: "Entry number {n} on the board." },
  "v.cast.revote": {
    es: "Usted ya había votado: esta boleta reemplaza a la anterior, que ya no cuenta.",
    en: "You had voted before: this ballot replaces the earlier one, which no longer counts.",
  },
  "v.revote.warn": {
    es: "Usted ya votó en esta elección. Si emite otra boleta, la anterior dejará de contar.",
    en: "You have already voted in this election. If you cast another ballot, the earlier one will no longer count.",
  },
  "v.cast.keep": {
    es: "Guarde su comprobante: con él puede verificar, desde cualquier dispositivo, que su boleta está en el tablero y se cuenta.",
    en: "Keep your receipt: with it you can check, from any device, that your ballot is on the board and is counted.",
  },
  "v.cast.download": { es: "Descargar el comprobante (JSON)", en: "Download the receipt (JSON)" },
  "v.cast.print": { es: "Imprimir el comprobante", en: "Print the receipt" },
  "v.cast.check": { es: "Verificar este comprobante", en: "Check this receipt" },
  "v.cast.codeDiffers": {
    es: "¡Atención! El tablero respondió con otro código de seguimiento ({got}) que el calculado aquí.",
    en: "Warning! The board answered with another tracking code ({got}) than the one computed here.",
  },
  "v.err.h": { es: "No se pudo votar", en: "Could not vote" },
  "v.err.code": { es: "Código: {code}", en: "Code: {code}" },
  "err.ALREADY_VOTED": {
    es: "Esta credencial ya emitió su voto y en esta elección solo se permite un voto por credencial.",
    en: "This credential has already cast its vote, and this election allows one vote per credential.",
  },
  "err.WRONG_PHASE": {
    es: "La votación no está abierta: no se reciben boletas ahora (fase: «{phase}»).",
    en: "Voting is not open: no ballots are accepted now (phase: “{phase}”).",
  },
  "err.NOT_ELIGIBLE": {
    es: "Esta credencial no está registrada en esta elección (o no para esta boleta).",
    en: "This credential is not registered in this election (or not for this ballot).",
  },
  "err.BAD_CREDENTIAL": {
    es: "El archivo no es una credencial de urna válida (dañado o de otro tipo): {msg}.",
    en: "The file is not a valid urna credential (corrupted or of another kind): {msg}.",
  },
  "err.WRONG_ELECTION": {
    es: "Esta credencial es de otra elección («{other}»), no de «{id}».",
    en: "This credential is for another election (“{other}”), not “{id}”.",
  },
  "err.BOARD_UNREACHABLE": {
    es: "No se pudo contactar al tablero. Nada se envió; revise su conexión e inténtelo de nuevo.",
    en: "The board could not be reached. Nothing was sent; check your connection and try again.",
  },
  "err.other": {
    es: "El tablero rechazó la boleta: {msg}",
    en: "The board refused the ballot: {msg}",
  },
} satisfies Record<string, { es: string; en: string }>;
