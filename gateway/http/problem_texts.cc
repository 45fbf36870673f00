#include "gateway/http/problem_texts.h"

#include <array>
#include <string>

namespace silta::gateway {

namespace {

struct Entry {
  ProblemText id;
  const char* fi;
  const char* sv;
  const char* en;
};

using P = ProblemText;

// Written as a Finnish authority writes to another authority's staff: plain, complete
// sentences. Swedish: Finland-Swedish official usage (native review advisable).
constexpr Entry kDetails[] = {
    {P::kHostMissing, "HTTP/1.1-pyynnössä on oltava Host-otsakekenttä.",
     "En HTTP/1.1-begäran måste ha ett Host-huvudfält.",
     "An HTTP/1.1 request needs a Host header field."},
    {P::kHostRepeated, "Pyynnössä on useampi kuin yksi Host-otsakekenttä.",
     "Begäran har fler än ett Host-huvudfält.", "The request has more than one Host header field."},
    {P::kTrailers, "Loppuotsakkeita (trailer) ei hyväksytä.",
     "Avslutande huvudfält (trailers) godtas inte.", "Trailers are not accepted."},
    {P::kTransferEncoding, "Transfer-Encoding-kentän arvon on oltava täsmälleen \"chunked\".",
     "Transfer-Encoding måste vara exakt \"chunked\".",
     "Transfer-Encoding must be exactly \"chunked\"."},
    {P::kTransferEncodingAndLength,
     "Transfer-Encoding- ja Content-Length-kenttiä ei hyväksytä yhdessä.",
     "Transfer-Encoding och Content-Length godtas inte tillsammans.",
     "Transfer-Encoding and Content-Length together are not accepted."},
    {P::kTransferEncodingHttp10, "Transfer-Encoding-kenttää ei hyväksytä HTTP/1.0-pyynnössä.",
     "Transfer-Encoding godtas inte med HTTP/1.0.",
     "Transfer-Encoding is not accepted with HTTP/1.0."},
    {P::kChunkExtensions, "Lohkolaajennuksia (chunk extensions) ei hyväksytä.",
     "Blocktillägg (chunk extensions) godtas inte.", "Chunk extensions are not accepted."},
    {P::kChunkLineTooLong, "Lohkorivi tai loppuotsakeosa on yli {0} tavua.",
     "En blockrad eller de avslutande huvudfälten överskrider {0} byte.",
     "A chunk line or the trailer section exceeds {0} bytes."},
    {P::kTooManyHeaderFields, "Pyynnössä on yli {0} otsakekenttää.",
     "Begäran har fler än {0} huvudfält.", "The request has more than {0} header fields."},
    {P::kHeaderFieldTooLarge, "Otsakekenttä on yli {0} tavua.",
     "Ett huvudfält överskrider {0} byte.", "A header field exceeds {0} bytes."},
    {P::kHeaderTooLarge, "Pyynnön otsake on yli {0} tavua.", "Begärans huvud överskrider {0} byte.",
     "The request header exceeds {0} bytes."},
    {P::kBodyTooLarge, "Pyynnön runko on yli {0} tavua.", "Begärans innehåll överskrider {0} byte.",
     "The request body exceeds {0} bytes."},
    {P::kMalformedRequest, "Pyyntöä ei voitu lukea HTTP/1.1-pyyntönä.",
     "Begäran kunde inte läsas som HTTP/1.1.", "The request could not be read as HTTP/1.1."},
    {P::kMalformedQuery, "Kyselymerkkijonossa on virheellinen prosenttikoodaus.",
     "Frågesträngen har en felaktig procentkodning.",
     "The query string has a malformed percent-escape."},
    {P::kMalformedJson, "Pyynnön runkoa ei voitu lukea JSON-muodossa.",
     "Begärans innehåll kunde inte läsas som JSON.", "The request body could not be read as JSON."},
    {P::kNotJson, "Lähetä pyynnön runko muodossa application/json.",
     "Skicka innehållet som application/json.", "Send the body as application/json."},
    {P::kUnregisteredClient,
     "Varmenne on federaation varmentajan myöntämä, mutta sen avainta ei ole "
     "organisaatiorekisterissä.",
     "Certifikatet är utfärdat av federationens certifikatutfärdare, men dess nyckel finns inte i "
     "organisationsregistret.",
     "The certificate chains to the federation CA, but its key is not in the agency registry."},
    {P::kAgencyDisabled, "Organisaation käyttö on estetty organisaatiorekisterissä.",
     "Organisationen är avstängd i organisationsregistret.",
     "This agency is disabled in the registry."},
    {P::kNeedsRole, "Tämä toiminto edellyttää roolia {0}.", "Den här funktionen kräver rollen {0}.",
     "This route needs the role {0}."},
    {P::kNoRoute, "Tällä polulla ei ole palvelua.", "Det finns ingen tjänst på den här sökvägen.",
     "No route matches this path."},
    {P::kMethodNotAllowed, "Tämä polku ei hyväksy tätä menetelmää.",
     "Den här sökvägen godtar inte den här metoden.", "This path does not accept this method."},
    {P::kCrossSiteRead,
     "Toisen sivuston sivu pyysi tätä selaimen kautta; vain yhdyskäytävän omat sivut voivat lukea "
     "sen.",
     "En sida på en annan webbplats bad webbläsaren om detta; endast gatewayns egna sidor får "
     "läsa det.",
     "A page of another site asked the browser for this; only the gateway's own pages may read "
     "it."},
    {P::kCrossSiteWrite,
     "Selain lähetti tämän tietoja muuttavan pyynnön toiselta sivustolta (Sec-Fetch-Site).",
     "En webbläsare skickade denna ändrande begäran från en annan webbplats (Sec-Fetch-Site).",
     "A browser sent this state-changing request from another site (Sec-Fetch-Site)."},
    {P::kCrossOriginWrite,
     "Selain lähetti tämän tietoja muuttavan pyynnön toisesta alkuperästä (Origin).",
     "En webbläsare skickade denna ändrande begäran från ett annat ursprung (Origin).",
     "A browser sent this state-changing request from another origin (Origin)."},
    {P::kAdminGetOnly, "Ylläpitoliittymä hyväksyy vain GET-pyynnöt.",
     "Administrationsgränssnittet godtar endast GET.", "The admin listener is GET only."},
    {P::kAdminNoRoute, "Ylläpitoliittymä tarjoaa polut /health, /ready ja /metrics.",
     "Administrationsgränssnittet erbjuder /health, /ready och /metrics.",
     "The admin listener serves /health, /ready, /metrics."},
    {P::kShuttingDown, "Yhdyskäytävä on sammumassa.", "Gatewayn håller på att stängas av.",
     "The gateway is shutting down."},
    {P::kNotReady, "Ei valmiina: {0}.", "Inte redo: {0}.", "Not ready: {0}."},
    {P::kInvalid, "Pyyntö ei ole kelvollinen.", "Begäran är inte giltig.",
     "The request is not valid."},
    {P::kInvalidFields, "Pyynnössä on virheellisiä kenttiä.", "Begäran har ogiltiga fält.",
     "The request has invalid fields."},
    {P::kNotFoundGeneric, "Tällä tunnisteella ei löytynyt mitään.",
     "Inget hittades med den här identifieraren.", "Nothing was found with this identifier."},
    {P::kConflictGeneric, "Pyyntö on ristiriidassa nykyisen tilan kanssa; mitään ei muutettu.",
     "Begäran står i konflikt med det nuvarande läget; ingenting ändrades.",
     "The request conflicts with the current state; nothing was changed."},
    {P::kForbiddenGeneric, "Organisaatiollasi ei ole oikeutta tähän.",
     "Din organisation har inte rätt till detta.", "Your agency may not do this."},
    {P::kActorRoleNotAllowed,
     "Rekisterin mukaan organisaatiosi henkilöt eivät voi toimia tässä tehtävässä.",
     "Enligt registret får personer i din organisation inte agera i den här rollen.",
     "The registry does not let your agency's users act in this role."},
    {P::kUnavailable, "Palvelu ei ole tilapäisesti käytettävissä. Yritä myöhemmin uudelleen.",
     "Tjänsten är tillfälligt otillgänglig. Försök igen senare.",
     "The service is temporarily unavailable. Retry later."},
    {P::kDeadline,
     "Pyynnön käsittely kesti liian kauan ja keskeytettiin. Yritä myöhemmin uudelleen.",
     "Behandlingen av begäran tog för lång tid och avbröts. Försök igen senare.",
     "The request took too long and was stopped. Retry later."},
    {P::kInternal, "Yhdyskäytävässä tapahtui virhe; virhe on kirjattu lokiin.",
     "Ett fel uppstod i gatewayn; felet har loggats.",
     "The gateway failed; the failure is logged."},
    {P::kAdapterTimeout,
     "Toisen organisaation tietojärjestelmä ei vastannut määräajassa. Tietoja ei luovutettu. "
     "Virhe on kirjattu lokiin ja lokirekisteriin.",
     "Den andra organisationens informationssystem svarade inte inom tidsgränsen. Uppgifterna "
     "lämnades inte ut. Felet har loggats och registrerats i loggregistret.",
     "The target agency's system did not answer before the deadline. Nothing was disclosed; the "
     "failure is logged and audited."},
    {P::kAdapterFailed,
     "Toisen organisaation tietojärjestelmässä tapahtui virhe tai siihen ei saada yhteyttä "
     "(kutsut siihen voivat jonkin aikaa epäonnistua heti). Tietoja ei luovutettu. Virhe on "
     "kirjattu lokiin ja lokirekisteriin.",
     "Ett fel uppstod i den andra organisationens informationssystem, eller så kan det inte nås "
     "(anrop till det kan en tid misslyckas direkt). Uppgifterna lämnades inte ut. Felet har "
     "loggats och registrerats i loggregistret.",
     "The target agency's system failed or is not reachable (calls to it may be failing fast for "
     "a while). Nothing was disclosed; the failure is logged and audited."},
    {P::kReferralIdConflict,
     "Vastaanottajan järjestelmässä on jo tällä tunnisteella ilmoitus, jonka sisältö on toinen.",
     "Mottagarens system har redan en anmälan med denna identifierare men med ett annat "
     "innehåll.",
     "The recipient's system already holds this referral id with other content."},
    {P::kAllDenied,
     "Yhtäkään pyydettyä tietoryhmää ei saa luovuttaa; päätöksessä kerrotaan syy ja se, millä "
     "edellytyksin luovutus olisi lainmukainen. Tietoja ei luovutettu.",
     "Ingen av de begärda uppgiftskategorierna får lämnas ut; beslutet anger skälet och vad som "
     "skulle göra utlämnandet lagligt. Uppgifterna lämnades inte ut.",
     "Every requested category was denied; the decision says why and what would make it lawful. "
     "Nothing was disclosed."},
    {P::kReferralDenied,
     "Kaikkia ilmoituksen tietoryhmiä ei saa luovuttaa tälle vastaanottajalle; päätöksessä "
     "kerrotaan syy ja se, millä edellytyksin luovutus olisi lainmukainen. Mitään ei lähetetty.",
     "Alla uppgiftskategorier i anmälan får inte lämnas ut till denna mottagare; beslutet anger "
     "skälet och vad som skulle göra utlämnandet lagligt. Ingenting skickades.",
     "Not every category of the referral may move to this recipient; the decision says why and "
     "what would make it lawful. Nothing was sent."},
    {P::kNothingReleased,
     "Päätöstä ei voitu tallentaa pysyvästi lokirekisteriin, joten tietoja ei luovutettu. Yritä "
     "myöhemmin uudelleen.",
     "Beslutet kunde inte sparas varaktigt i loggregistret, så inga uppgifter lämnades ut. "
     "Försök igen senare.",
     "The decision could not be made durable in the audit log, so nothing was released. Retry "
     "later."},
    {P::kNothingRecorded, "Mitään ei kirjattu. Yritä myöhemmin uudelleen.",
     "Ingenting registrerades. Försök igen senare.", "Nothing was recorded. Retry later."},
    {P::kNothingSent, "Mitään ei kirjattu eikä lähetetty. Yritä myöhemmin uudelleen.",
     "Ingenting registrerades eller skickades. Försök igen senare.",
     "Nothing was recorded or sent. Retry later."},
    {P::kConsentNotFound,
     "Tällä tunnisteella ei ole suostumusta, jonka osapuolena organisaatiosi on.",
     "Det finns inget samtycke med denna identifierare där din organisation är part.",
     "No consent with this id names your agency as a party."},
    {P::kNotAPartyToConsent,
     "Organisaatiotasi ei mainita suostumuksen kummallakaan puolella: mainitse se tai sen tyyppi "
     "({0}) kentässä from_kinds tai from_agencies (tiedot ovat sillä) tai kentässä to_kinds tai "
     "to_agencies (se vastaanottaa tiedot).",
     "Din organisation nämns inte på någondera sidan av samtycket: ange den eller dess typ ({0}) "
     "i from_kinds eller from_agencies (den innehar uppgifterna) eller i to_kinds eller "
     "to_agencies (den tar emot dem).",
     "Your agency is named on neither side of this consent: name it or its kind ({0}) in "
     "from_kinds or from_agencies (it holds the data) or in to_kinds or to_agencies (it receives "
     "it)."},
    {P::kConsentRevokedBefore, "Tämä suostumus on peruttu jo aiemmin.",
     "Detta samtycke har redan återkallats.", "This consent was revoked before."},
    {P::kReferralNotFound,
     "Organisaatiosi ei ole lähettänyt eikä vastaanottanut ilmoitusta tällä tunnisteella.",
     "Din organisation har varken skickat eller tagit emot någon anmälan med denna "
     "identifierare.",
     "No referral with this id was sent by or to your agency."},
    {P::kOnlyRecipient,
     "Organisaatiosi lähetti tämän ilmoituksen; sen vastaanottaja kuittaa sen ja tekee siitä "
     "päätöksen.",
     "Din organisation skickade denna anmälan; mottagaren kvitterar den och fattar beslut om den.",
     "Your agency sent this referral; its recipient acknowledges it and decides on it."},
    {P::kReferralNotDelivered, "Ilmoitusta ei ole vielä toimitettu organisaatiosi järjestelmään.",
     "Anmälan har ännu inte levererats till din organisations system.",
     "The referral has not been delivered to your agency's system yet."},
    {P::kReferralHandledAlready, "Ilmoitus on jo käsitelty (tila: {0}).",
     "Anmälan har redan behandlats (status: {0}).",
     "The referral was handled already (state: {0})."},
    {P::kDecisionRecordedAlready,
     "Ilmoituksesta on jo kirjattu päätös; palvelutarpeen arvioinnin aloittamisen tai "
     "kiireellisten toimien jälkeen voidaan kirjata vain arvioinnin valmistuminen "
     "(assessment_completed).",
     "Ett beslut har redan registrerats; efter att bedömningen inletts eller brådskande åtgärder "
     "vidtagits kan endast att bedömningen slutförts (assessment_completed) registreras.",
     "A decision was recorded already; after assessment_started or urgent_action only "
     "assessment_completed may follow."},
    {P::kReferralStateChanged, "Ilmoituksen tila muuttui samaan aikaan; hae se uudelleen.",
     "Anmälans status ändrades under tiden; hämta den på nytt.",
     "The referral's state changed meanwhile; read it again."},
    {P::kIdempotencyKeyReused, "Tätä Idempotency-Key-avainta on käytetty toiseen pyyntöön.",
     "Denna Idempotency-Key har använts för en annan begäran.",
     "This Idempotency-Key was used for a different request."},
    {P::kIdempotencyInProgress,
     "Pyyntöä, jolla on sama Idempotency-Key, käsitellään vielä; yritä hetken kuluttua uudelleen.",
     "En begäran med samma Idempotency-Key behandlas fortfarande; försök igen om en stund.",
     "A request with this Idempotency-Key is still being answered; retry shortly."},
    {P::kReadNotRecorded, "Lukemista ei voitu kirjata lokirekisteriin, joten siihen ei vastattu.",
     "Läsningen kunde inte registreras i loggregistret, så den besvarades inte.",
     "The read could not be recorded, so it was not answered."},
    {P::kNoSuchProof,
     "Lokista ei voi muodostaa tätä todistetta: tarkista puun koot ja tietueen numero.",
     "Loggen kan inte ge detta bevis: kontrollera trädstorlekarna och postens nummer.",
     "The log cannot give this proof: check the tree sizes and the record number."},
    {P::kFork,
     "Lokin {0} tietueen puulla on eri juuri kuin annettu: säilyttämäsi tarkistuspiste ei kuulu "
     "tämän lokin historiaan (haarautuma), tai se on toisen lokin.",
     "Loggens träd med {0} poster har en annan rot än den angivna: den kontrollpunkt du sparade "
     "hör inte till denna loggs historik (en förgrening), eller så hör den till en annan logg.",
     "The log's tree of {0} records has another root than the one given: the checkpoint you kept "
     "is not in this log's history (a fork), or it is another log's."},
    {P::kOtherInstance,
     "Tämän instanssin loki on {0}; kysy siltä instanssilta, jonka lokin kuitti nimeää.",
     "Denna instans logg är {0}; fråga den instans vars logg kvittot anger.",
     "This instance's audit log is {0}; ask the instance whose log the receipt names."},
    {P::kNoRecordOfYours,
     "Tämän yhdyskäytäväinstanssin lokissa ei ole organisaatiosi tietuetta tällä numerolla.",
     "Denna gatewayinstans logg har ingen post från din organisation med detta nummer.",
     "This gateway instance's audit log has no record of yours with this number."},
    {P::kNotYetSigned,
     "Tietue on tallennettu pysyvästi, mutta mikään tarkistuspiste ei vielä kata sitä; kysy "
     "uudelleen hetken kuluttua.",
     "Posten är varaktigt sparad men ingen kontrollpunkt täcker den ännu; fråga igen om en "
     "sekund.",
     "The record is durable but no checkpoint covers it yet; ask again in a second."},
    {P::kReviewNotFound, "Tällä tunnisteella ei ole hätäkäytön tarkastusta.",
     "Det finns ingen granskning av nödåtkomst med denna identifierare.",
     "No break-glass review item with this id."},
    {P::kReviewedBefore, "Tämä hätäkäyttö on tarkastettu jo aiemmin.",
     "Denna nödåtkomst har redan granskats.", "This break-glass access was reviewed before."},
};

struct Title {
  const char* type;
  const char* fi;
  const char* sv;
  const char* en;
};

// One title per problem type (docs/openapi.yaml lists the types). The types of
// problem_from_error are the error codes' names.
constexpr Title kTitles[] = {
    {"validation", "Pyyntö ei ole kelvollinen", "Begäran är inte giltig",
     "The request is not valid"},
    {"invalid_argument", "Pyyntö ei ole kelvollinen", "Begäran är inte giltig",
     "The request is not valid"},
    {"malformed-request", "Pyyntö ei ole kelvollinen HTTP/1.1-pyyntö",
     "Begäran är inte en giltig HTTP/1.1-begäran", "The request is not valid HTTP/1.1"},
    {"bad-framing", "Pyynnön rajausta ei hyväksytä", "Begärans avgränsning godtas inte",
     "The request framing is not accepted"},
    {"header-too-large", "Pyynnön otsakekentät ovat liian suuret",
     "Begärans huvudfält är för stora", "Request header fields too large"},
    {"body-too-large", "Pyynnön runko on liian suuri", "Begärans innehåll är för stort",
     "Request body too large"},
    {"malformed-query", "Kyselymerkkijono ei ole kelvollinen", "Frågesträngen är inte giltig",
     "The query string is not valid"},
    {"malformed-json", "Pyynnön runko ei ole kelvollista JSONia",
     "Begärans innehåll är inte giltig JSON", "The body is not valid JSON"},
    {"unsupported-media-type", "Mediatyyppiä ei tueta", "Medietypen stöds inte",
     "Unsupported media type"},
    {"unregistered-client", "Asiakasvarmennetta ei ole rekisteröity",
     "Klientcertifikatet är inte registrerat", "The client certificate is not registered"},
    {"agency-disabled", "Organisaation käyttö on estetty", "Organisationen är avstängd",
     "The agency is disabled"},
    {"forbidden", "Ei sallittu", "Inte tillåtet", "Forbidden"},
    {"permission_denied", "Ei sallittu", "Inte tillåtet", "Forbidden"},
    {"cross-origin-request", "Toiselta sivustolta tullut pyyntö hylättiin",
     "En begäran från en annan webbplats avvisades", "Cross-origin request refused"},
    {"not-found", "Ei löytynyt", "Hittades inte", "Not found"},
    {"not_found", "Ei löytynyt", "Hittades inte", "Not found"},
    {"method-not-allowed", "Menetelmä ei ole sallittu", "Metoden är inte tillåten",
     "Method not allowed"},
    {"denied", "Tietoja ei saa luovuttaa", "Uppgifterna får inte lämnas ut",
     "The data may not be disclosed"},
    {"audit-unavailable", "Lokirekisteri ei ole käytettävissä",
     "Loggregistret är inte tillgängligt", "The audit log is unavailable"},
    {"adapter-timeout", "Toisen organisaation tietojärjestelmä ei vastannut ajoissa",
     "Den andra organisationens informationssystem svarade inte i tid",
     "The agency system did not answer in time"},
    {"adapter-failed", "Toisen organisaation tietojärjestelmässä tapahtui virhe",
     "Ett fel uppstod i den andra organisationens informationssystem", "The agency system failed"},
    {"referral-conflict", "Ristiriita", "Konflikt", "Conflict"},
    {"conflict", "Ristiriita", "Konflikt", "Conflict"},
    {"already_exists", "On jo olemassa", "Finns redan", "Already exists"},
    {"failed_precondition", "Ristiriita", "Konflikt", "Conflict"},
    {"idempotency-key-reused", "Idempotency-Key on jo käytetty",
     "Idempotency-Key har redan använts", "Idempotency-Key reused"},
    {"idempotency-key-in-progress", "Pyyntö on käsittelyssä", "Begäran behandlas",
     "Request in progress"},
    {"referral-state", "Ei mahdollista ilmoituksen nykyisessä tilassa",
     "Inte möjligt i anmälans nuvarande läge", "Not possible in the referral's state"},
    {"already-revoked", "Peruttu jo aiemmin", "Redan återkallat", "Already revoked"},
    {"already-reviewed", "Tarkastettu jo aiemmin", "Redan granskad", "Already reviewed"},
    {"bad-proof-request", "Todistetta ei voi muodostaa", "Beviset kan inte ges", "No such proof"},
    {"fork", "Ei tämän lokin historiaa", "Inte denna loggs historik", "Not this log's history"},
    {"other-instance", "Tietue on toisen instanssin lokissa",
     "Posten finns i en annan instans logg", "The record is in another gateway instance's log"},
    {"not-yet-signed", "Ei vielä allekirjoitettu", "Ännu inte signerad", "Not signed yet"},
    {"not-ready", "Ei valmiina", "Inte redo", "Not ready"},
    {"unavailable", "Palvelu ei ole käytettävissä", "Tjänsten är inte tillgänglig",
     "Service unavailable"},
    {"deadline_exceeded", "Aikakatkaisu", "Tidsgränsen överskreds", "Upstream timeout"},
    {"data_loss", "Sisäinen virhe", "Internt fel", "Internal error"},
    {"internal", "Sisäinen virhe", "Internt fel", "Internal error"},
};

// "{0}".."{9}" in `text` replaced by the arguments; other braces kept.
std::string fill(std::string_view text, std::initializer_list<std::string_view> args) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '{' && i + 2 < text.size() && text[i + 2] == '}' && text[i + 1] >= '0' &&
        text[i + 1] <= '9' && static_cast<std::size_t>(text[i + 1] - '0') < args.size()) {
      out += *(args.begin() + (text[i + 1] - '0'));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace

Texts problem_text(ProblemText id, std::initializer_list<std::string_view> args) {
  for (const auto& e : kDetails) {
    if (e.id == id) return Texts{fill(e.fi, args), fill(e.sv, args), fill(e.en, args)};
  }
  return problem_text(ProblemText::kInternal);  // unreachable: the unit test covers every id
}

bool has_problem_title(std::string_view type) {
  for (const auto& t : kTitles) {
    if (type == t.type) return true;
  }
  return false;
}

Texts problem_title(std::string_view type) {
  for (const auto& t : kTitles) {
    if (type == t.type) return Texts{t.fi, t.sv, t.en};
  }
  return Texts{"Virhe", "Fel", "Error"};
}

Texts unknown_lang_message() {
  return Texts{"odotettiin arvoa fi, sv tai en", "förväntade fi, sv eller en",
               "expected fi, sv or en"};
}

}  // namespace silta::gateway
