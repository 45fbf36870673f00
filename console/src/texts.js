// Every text the console shows, in Finnish, Swedish and English. The Finnish table defines the
// keys; the Swedish and English tables must have exactly the same keys and the same "{name}"
// placeholders (tests/console/texts_test.mjs checks). "{name}" is replaced by t()'s parameter of
// that name.
export const languages = ["fi", "sv", "en"];

const fi = {
  "app.title": "Silta – tietosuojavastaavan konsoli",
  "app.short": "Silta",
  "app.skip": "Siirry sisältöön",
  "app.loading": "Ladataan…",
  "app.nav": "Päävalikko",
  "app.language": "Kieli",
  "app.signed_in_as": "Kirjautuneena: {name}",
  "app.footer":
      "Jokainen tällä konsolilla tehty haku kirjataan lokiin käyttäjätunnuksella {actor}.",
  "app.not_found": "Sivua ei löydy.",

  "nav.home": "Etusivu",
  "nav.search": "Lokitietojen haku",
  "nav.break_glass": "Hätäkäytöt",
  "nav.checkpoint": "Lokin eheys",

  "error.title": "Pyyntö epäonnistui",
  "error.network": "Yhdyskäytävään ei saatu yhteyttä. Tarkista yhteys ja yritä uudelleen.",
  "error.status": "Yhdyskäytävä vastasi virheellä {status}.",
  "error.fields": "Korjaa nämä kentät:",
  "error.field_unknown": "Pyyntö",
  "error.audit_unavailable":
      "Lokia ei voitu kirjoittaa, joten mitään ei näytetty. Yritä myöhemmin uudelleen.",

  "home.title": "Kuka olen",
  "home.intro":
      "Yhdyskäytävä tunnistaa sinut varmenteesi perusteella. Sinulla on tietosuojavastaavan rooli: voit hakea lokitietoja, tarkastaa hätäkäytöt ja tarkistaa lokin eheyden.",
  "home.name": "Nimi",
  "home.agency_id": "Tunnus rekisterissä",
  "home.kind": "Toimijan laji",
  "home.business_id": "Y-tunnus",
  "home.roles": "Roolit",
  "home.actor": "Käyttäjätunnus lokissa",

  "search.title": "Lokitietojen haku",
  "search.intro":
      "Hae lokitietoja henkilön, organisaation, tapahtuman tyypin, lopputuloksen, käyttötarkoituksen, asiaviitteen ja ajan mukaan. Henkilötunnus muutetaan yhdyskäytävässä pseudonyymiksi; sitä ei tallenneta eikä näytetä.",
  "search.filters": "Hakuehdot",
  "search.subject": "Henkilötunnus",
  "search.subject_hint": "Esimerkiksi 010190-999W. Hakee henkilön kaikki tapahtumat.",
  "search.agency": "Organisaatio",
  "search.agency_hint": "Organisaation tunnus rekisterissä, toimijana tai toisena osapuolena.",
  "search.event_type": "Tapahtuman tyyppi",
  "search.event_type_any": "Kaikki tyypit",
  "search.from": "Alkaen (päivä)",
  "search.until": "Päättyen (päivä)",
  "search.dates_hint": "Päivät Suomen aikaa; molemmat päivät mukaan lukien.",
  "search.limit": "Rivejä sivulla",
  "search.submit": "Hae",
  "search.clear": "Tyhjennä",
  "search.searching": "Haetaan…",
  "search.results": "Hakutulokset, sivu {page}",
  "search.results_count": "{count} tapahtumaa tällä sivulla.",
  "search.none": "Ei tapahtumia näillä ehdoilla.",
  "search.previous": "Edellinen sivu",
  "search.next": "Seuraava sivu",
  "search.show": "Näytä",
  "search.show_label": "Näytä tapahtuma {seq}",
  "search.date_order": "Alkupäivän on oltava ennen päättymispäivää.",

  "col.time": "Aika",
  "col.type": "Tapahtuma",
  "col.agency": "Organisaatio",
  "col.actor": "Käyttäjä",
  "col.target": "Toinen osapuoli",
  "col.purpose": "Käyttötarkoitus",
  "col.decision": "Päätös",
  "col.details": "Tiedot",

  "record.title": "Tapahtuma {origin} #{seq}",
  "record.back": "Takaisin hakutuloksiin",
  "record.summary": "Yhteenveto",
  "record.time": "Aika",
  "record.type": "Tapahtuma",
  "record.origin": "Loki ja järjestysnumero",
  "record.agency": "Organisaatio",
  "record.actor": "Käyttäjä",
  "record.actor_role": "Käyttäjän tehtävä",
  "record.target": "Toinen osapuoli",
  "record.direction": "Suunta",
  "record.purpose": "Käyttötarkoitus",
  "record.decision": "Päätös",
  "record.outcome": "Lopputulos",
  "record.categories_requested": "Pyydetyt tiedot",
  "record.categories_granted": "Luovutettavat tiedot",
  "record.categories_denied": "Epätyt tiedot",
  "record.bases": "Oikeusperusteet ja selitykset",
  "record.no_bases": "Tapahtumaan ei liity oikeusperustetta.",
  "record.consents": "Suostumukset ja luvat",
  "record.justification": "Perustelu",
  "record.break_glass": "Hätäkäyttö",
  "record.break_glass_yes": "Kyllä: hätäkäyttö, joka tarkastetaan",
  "record.embargo_until": "Salattu henkilön omasta raportista asti",
  "record.reference": "Viite",
  "record.subject": "Henkilön pseudonyymi",
  "record.catalog": "Oikeusperusteluettelon versio",
  "record.request_digest": "Pyynnön tiiviste (SHA-256)",
  "record.response_digest": "Luovutettujen tietojen tiiviste (SHA-256)",
  "record.partial": "Tapahtumasta on vain hakemistotiedot (full_record: false).",
  "record.none": "–",

  "bg.title": "Hätäkäyttöjen tarkastus",
  "bg.intro":
      "Jokainen hätäkäyttö avaa tarkastettavan asian. Arvioi, oliko käyttö perusteltu; arvio kirjataan lokiin.",
  "bg.state": "Näytä",
  "bg.state_open": "Avoimet",
  "bg.state_all": "Kaikki",
  "bg.apply": "Päivitä luettelo",
  "bg.none": "Ei hätäkäyttöjä tässä luettelossa.",
  "bg.item": "{agency} → {target}",
  "bg.actor": "Käyttäjä",
  "bg.basis": "Oikeusperuste",
  "bg.categories": "Tiedot",
  "bg.justification": "Perustelu",
  "bg.opened_at": "Avattu",
  "bg.due_at": "Tarkastettava viimeistään",
  "bg.overdue": "Myöhässä",
  "bg.state_label": "Tila",
  "bg.open": "Avoin",
  "bg.reviewed": "Tarkastettu",
  "bg.audit": "Lokimerkintä",
  "bg.review": "Arvio",
  "bg.verdict": "Oliko hätäkäyttö perusteltu?",
  "bg.justified": "Perusteltu",
  "bg.unjustified": "Perusteeton",
  "bg.note": "Huomautus",
  "bg.note_hint": "Mihin arvio perustuu. Älä kirjoita henkilötunnusta.",
  "bg.submit": "Tallenna arvio",
  "bg.saving": "Tallennetaan…",
  "bg.saved": "Arvio tallennettu: {verdict}.",
  "bg.verdict_required": "Valitse arvio.",
  "bg.reviewer": "Tarkastaja",
  "bg.reviewed_at": "Tarkastettu",
  "bg.more": "Lue seuraavat {max} hätäkäyttöä",

  "cp.title": "Lokin eheys",
  "cp.intro":
      "Yhdyskäytävä allekirjoittaa lokin tilan säännöllisesti (tarkistuspiste). Tallenna saamasi tarkistuspisteet: myöhempi tarkistuspiste ja sen yhtenevyystodiste osoittavat, ettei lokia ole muutettu.",
  "cp.refresh": "Hae uusin tarkistuspiste",
  "cp.origin": "Lokin tunniste",
  "cp.size": "Tapahtumia lokissa",
  "cp.root_hash": "Merkle-puun juuri",
  "cp.verifier_key": "Julkinen vahvistusavain",
  "cp.note": "Allekirjoitettu tarkistuspiste",

  "event.decision": "Päätös",
  "event.disclosure": "Luovutus",
  "event.referral-sent": "Ilmoitus lähetetty",
  "event.referral-delivered": "Ilmoitus toimitettu",
  "event.referral-acknowledged": "Ilmoitus kuitattu",
  "event.referral-decided": "Ilmoituksesta päätetty",
  "event.consent-recorded": "Suostumus kirjattu",
  "event.consent-revoked": "Suostumus peruttu",
  "event.audit-read": "Lokitietojen luku",
  "event.break-glass": "Hätäkäyttö",
  "event.break-glass-review": "Hätäkäytön tarkastus",
  "event.auth-failure": "Torjuttu yhteys",

  "decision.granted": "Myönnetty",
  "decision.partial": "Osittain myönnetty",
  "decision.denied": "Evätty",

  "direction.pull": "Pyyntö: organisaatio pyysi tietoja toiselta osapuolelta",
  "direction.push": "Oma-aloitteinen luovutus: organisaatio luovutti tietoja toiselle osapuolelle",

  "verdict.justified": "perusteltu",
  "verdict.unjustified": "perusteeton",

  "int.checking": "Tarkistetaan lokin eheyttä…",
  "int.signature_ok": "Tämä selain tarkisti tarkistuspisteen allekirjoituksen avaimella {key}.",
  "int.first_visit":
      "Tämä selain näkee lokin {origin} ensimmäistä kertaa ja muistaa nyt sen avaimen ja tilan. Vertaa avainta julkaistuun vahvistusavaimeen.",
  "int.consistent":
      "Loki jatkaa tarkistuspistettä, jonka tämä selain tarkisti viimeksi ({size} tapahtumaa): mitään ei ole poistettu eikä muutettu.",
  "int.alarm_title": "Hälytys: lokin eheys ei täsmää",
  "int.alarm_help":
      "Ilmoita tästä heti palvelun ylläpitäjälle ja tietoturvasta vastaavalle. Älä luota lokin sisältöön ennen kuin syy on selvitetty.",
  "int.alarm_link": "Lokin eheys",
  "int.remembered": "Tämän selaimen muistama tila: {size} tapahtumaa, tarkistettu {at}.",
  "verify.bad_key": "Lokin vahvistusavain on virheellinen.",
  "verify.key_changed": "Lokin vahvistusavain on eri kuin se, jonka tämä selain muistaa.",
  "verify.bad_note": "Tarkistuspiste on virheellisessä muodossa.",
  "verify.no_signature": "Tarkistuspisteessä ei ole lokin avaimen allekirjoitusta.",
  "verify.bad_signature":
      "Tarkistuspisteen allekirjoitus ei täsmää: tarkistuspistettä on muutettu.",
  "verify.no_ed25519":
      "Tämä selain ei osaa tarkistaa Ed25519-allekirjoituksia. Käytä selaimen uusinta versiota.",
  "verify.rolled_back":
      "Lokissa on vähemmän tapahtumia kuin tarkistuspisteessä, jonka tämä selain tarkisti viimeksi: lokia on palautettu taaksepäin.",
  "verify.rewritten":
      "Loki ei jatka tarkistuspistettä, jonka tämä selain tarkisti viimeksi: lokia on kirjoitettu uudelleen.",
  "verify.bad_proof": "Todiste ei täsmää.",
  "verify.bad_known": "Tämän selaimen muistama tila on virheellinen.",
  "verify.leaf_mismatch": "Tapahtuma ei ole sama kuin lokiin kirjattu: sitä on muutettu.",
  "verify.partial_record":
      "Tapahtumasta on saatavilla vain hakemiston tiedot, joten sitä ei voi tarkistaa.",
  "verify.other_origin":
      "Tapahtuma on eri lokissa kuin uusin tarkistuspiste, joten sitä ei voi tarkistaa tässä.",
  "verify.not_yet_covered":
      "Tapahtuma on uudempi kuin uusin tarkistuspiste. Yritä hetken kuluttua uudelleen.",
  "record.verify_title": "Onko tapahtuma lokissa?",
  "record.verify_help":
      "Selain laskee tapahtuman tiivisteen itse ja tarkistaa, että se sisältyy allekirjoitettuun tarkistuspisteeseen.",
  "record.verify": "Tarkista tässä selaimessa",
  "record.verified": "Tapahtuma on lokissa muuttamattomana (tarkistuspiste: {size} tapahtumaa).",
  "record.not_verified": "Tarkistus epäonnistui: {reason}",
  "cp.verify_title": "Tarkistettu tässä selaimessa",
  "search.purpose": "Käyttötarkoitus",
  "search.purpose_any": "Kaikki käyttötarkoitukset",
  "search.outcome": "Lopputulos",
  "search.outcome_any": "Kaikki lopputulokset",
  "search.outcome_hint":
      "Osittain myönnetty pyyntö on sekä myönnetty että evätty. Epäonnistunut: toisen organisaation järjestelmä ei vastannut, eikä tietoja siirtynyt.",
  "outcome.granted": "Myönnetty",
  "outcome.denied": "Evätty",
  "outcome.break_glass": "Hätäkäyttö",
  "outcome.failed": "Epäonnistunut",
  "search.case_reference": "Asiaviite",
  "search.case_reference_hint":
      "Pyytäjän oman asian tunnus täsmälleen sellaisena kuin se oli pyynnössä, esimerkiksi SOITE-LS-2026-0412.",
  "record.case_reference": "Asiaviite",
  "nav.stats": "Tilastot",
  "stats.title": "Tilastot kuvina",
  "stats.intro":
      "Tietopyyntöjen ja luovutusten päätökset organisaatioittain viikoittain ja hätäkäytöt kuukausittain valitulta ajalta. Luvut lasketaan tässä selaimessa lokitiedoista; niiden haku kirjataan lokiin kuten muutkin haut.",
  "stats.submit": "Näytä kuvat",
  "stats.loading": "Luetaan tapahtumia… {count}",
  "stats.range_too_long": "Valitse enintään vuoden mittainen aikaväli.",
  "stats.dates_required": "Valitse alku- ja loppupäivä.",
  "stats.range": "{first} – {last}",
  "stats.counted": "Luettu {decisions} päätöstä ja {break_glass} hätäkäyttöä.",
  "stats.truncated":
      "Valitulla ajalla on enemmän kuin {max} tapahtumaa tyyppiä {type}: kuvat näyttävät niistä vain ensimmäiset {max}. Lyhennä aikaväliä, niin näet kaikki.",
  "stats.decisions_heading": "Pyynnöt organisaatioittain viikoittain",
  "stats.decisions_help":
      "Päätökset pyytäneen tai luovuttaneen organisaation mukaan, hätäkäytöt mukaan lukien. Myönnetty: päätös salli ainakin osan tiedoista; evätty: ainakin osa evättiin (osittain myönnetty on molempia). Kaikissa kuvissa on sama asteikko.",
  "stats.no_decisions": "Valitulla ajalla ei ole päätöksiä.",
  "stats.agency_title": "{agency}: myönnetyt ja evätyt pyynnöt viikoittain",
  "stats.agency_desc":
      "{weeks} viikkoa ajalta {first} – {last}: yhteensä {granted} myönnettyä ja {denied} evättyä.",
  "stats.break_glass_heading": "Hätäkäytöt kuukausittain",
  "stats.break_glass_title": "Hätäkäytöt kuukausittain",
  "stats.break_glass_desc":
      "Ajalla {first} – {last} yhteensä {total} hätäkäyttöä; eniten {peak} kuukaudessa ({peak_month}). Ensimmäinen ja viimeinen kuukausi vain valitulta ajalta.",
  "stats.break_glass": "Hätäkäyttöjä",
  "stats.table": "Luvut taulukkona",
  "stats.week": "Viikko",
  "stats.week_short": "{week}",
  "stats.week_long": "Viikko {week}/{year} ({monday} alkaen)",
  "stats.month": "Kuukausi",
  "search.acted_by": "Toiminut henkilö",
  "search.acted_by_hint":
      "Käyttäjätunnus, jolla henkilö toimi, täsmälleen sellaisena kuin se on tapahtumissa (sarake Käyttäjä), esimerkiksi sw-maija. Löytää myös tietosuojavastaavien omat haut.",
  "search.export": "Hakutuloksen tallennus",
  "search.export_hint":
      "Tallentaa kaikki hakuehtoja vastaavat tapahtumat tiedostoksi tälle tietokoneelle (enintään {max}). Henkilötunnus ei tule tiedostoon. Tiedosto sisältää salassa pidettäviä tietoja: säilytä se suojattuna.",
  "search.export_csv": "Tallenna CSV",
  "search.export_json": "Tallenna JSON",
  "search.exporting": "Haetaan tapahtumia tallennettavaksi… {count}",
  "search.exported": "{count} tapahtumaa tallennettu tiedostoon {file}.",
  "search.export_truncated": "Vain ensimmäiset {max} tapahtumaa tallennettiin: rajaa hakua.",
  "nav.report": "Henkilön raportti",
  "report.title": "Henkilön lokitietoraportti",
  "report.intro":
      "Henkilöllä on oikeus saada tietää, kuka on käyttänyt tai saanut hänen tietojaan, milloin, mihin tarkoitukseen ja millä perusteella (asiakastietolaki 703/2023, 11 §). Raportti laaditaan henkilölle valitulla kielellä, ja sen voi tulostaa.",
  "report.form": "Kenen raportti",
  "report.subject": "Henkilötunnus",
  "report.subject_hint":
      "Henkilötunnus lähetetään yhdyskäytävälle vain tässä pyynnössä; sitä ei tallenneta eikä näytetä sivun osoitteessa.",
  "report.subject_required": "Anna henkilötunnus.",
  "report.language": "Raportin kieli",
  "report.submit": "Laadi raportti",
  "report.print": "Tulosta raportti",
  "report.ready": "Raportti on valmis: {count} merkintää.",
  "report.col.date": "Päivä",
  "report.col.what": "Mitä tapahtui",
  "report.col.from": "Luovuttaja",
  "report.col.to": "Vastaanottaja",
  "report.col.information": "Tiedot",
  "report.col.purpose": "Käyttötarkoitus",
  "report.col.basis": "Peruste",
  "report.contact": "Yhteystiedot ja oikeutesi",
  "report.officer": "Vain tietosuojavastaavalle",
  "report.generated": "Raportti laadittu",
  "report.withheld":
      "Poliisin esitutkinnan vuoksi raportista on jätetty pois {count} merkintää. Niitä ei tulosteta eikä anneta henkilölle ennen salauksen päättymistä.",
  "report.embargo_until": "salattu asti",
  "bg.state_history": "Tarkastushistoria (tarkastetut)",
  "bg.summary":
      "Avoimia {open}, joista myöhässä {overdue}; tarkastettuja {reviewed}. Avoimet ovat määräpäivän mukaan, myöhässä olevat ensin; tarkastetut uusin tarkastus ensin.",
  "cp.witnesses": "Todistajat",
  "cp.witnesses_intro":
      "Todistaja on toisen organisaation palvelu, joka allekirjoittaa (kosignatuuri) lokin tarkistuspisteen vain, jos loki jatkaa aiemmin allekirjoitettua. Tämä selain tarkistaa jokaisen kosignatuurin todistajan avaimella; vertaa avainta todistajan julkaisemaan.",
  "cp.no_witnesses": "Tälle lokille ei ole määritetty todistajia.",
  "cp.quorum_met":
      "{verified}/{count} todistajan kosignatuuri on voimassa tässä tarkistuspisteessä (vaaditaan {quorum}).",
  "cp.quorum_short":
      "Vain {verified}/{count} todistajan kosignatuuri on voimassa tässä tarkistuspisteessä, vaaditaan {quorum}. Todistaja voi olla tavoittamattomissa; jos tilanne jatkuu, ilmoita ylläpitäjälle.",
  "cp.w_name": "Todistaja ja avain",
  "cp.w_cosignature": "Kosignatuuri tässä selaimessa",
  "cp.w_state": "Tila yhdyskäytävän mukaan",
  "cp.w_cosigned": "Viimeksi kosignoitu",
  "cp.w_size": "{size} tapahtumaa",
  "cp.w_error": "Viimeisin virhe",
  "cp.cosig_ok": "Voimassa, allekirjoitettu",
  "wstate.ok": "Toiminnassa",
  "wstate.pending": "Ei vielä kosignoinut",
  "wstate.unavailable": "Ei tavoitettavissa",
  "wstate.refusing": "Kieltäytyy: lokin historia ei täsmää todistajan muistamaan",
  "verify.no_cosignature": "Tarkistuspisteessä ei ole tämän todistajan kosignatuuria.",
};

const sv = {
  "app.title": "Silta – dataskyddsombudets konsol",
  "app.short": "Silta",
  "app.skip": "Gå till innehållet",
  "app.loading": "Laddar…",
  "app.nav": "Huvudmeny",
  "app.language": "Språk",
  "app.signed_in_as": "Inloggad: {name}",
  "app.footer": "Varje sökning i den här konsolen loggas med användarnamnet {actor}.",
  "app.not_found": "Sidan finns inte.",

  "nav.home": "Startsida",
  "nav.search": "Sökning i loggdata",
  "nav.break_glass": "Nödåtkomster",
  "nav.checkpoint": "Loggens integritet",

  "error.title": "Begäran misslyckades",
  "error.network": "Ingen anslutning till gatewayen. Kontrollera anslutningen och försök igen.",
  "error.status": "Gatewayen svarade med felet {status}.",
  "error.fields": "Rätta de här fälten:",
  "error.field_unknown": "Begäran",
  "error.audit_unavailable": "Loggen kunde inte skrivas, så ingenting visades. Försök igen senare.",

  "home.title": "Vem är jag",
  "home.intro":
      "Gatewayen identifierar dig med ditt certifikat. Du har rollen dataskyddsombud: du kan söka i loggdata, granska nödåtkomster och kontrollera loggens integritet.",
  "home.name": "Namn",
  "home.agency_id": "Beteckning i registret",
  "home.kind": "Typ av aktör",
  "home.business_id": "FO-nummer",
  "home.roles": "Roller",
  "home.actor": "Användarnamn i loggen",

  "search.title": "Sökning i loggdata",
  "search.intro":
      "Sök i loggdata efter person, organisation, typ av händelse, utfall, ändamål, ärendereferens och tid. Personbeteckningen omvandlas till en pseudonym i gatewayen; den sparas inte och visas inte.",
  "search.filters": "Sökvillkor",
  "search.subject": "Personbeteckning",
  "search.subject_hint": "Till exempel 010190-999W. Söker alla händelser som gäller personen.",
  "search.agency": "Organisation",
  "search.agency_hint": "Organisationens beteckning i registret, som aktör eller motpart.",
  "search.event_type": "Typ av händelse",
  "search.event_type_any": "Alla typer",
  "search.from": "Från (dag)",
  "search.until": "Till (dag)",
  "search.dates_hint": "Dagar i finsk tid; båda dagarna inräknade.",
  "search.limit": "Rader per sida",
  "search.submit": "Sök",
  "search.clear": "Töm",
  "search.searching": "Söker…",
  "search.results": "Sökresultat, sida {page}",
  "search.results_count": "{count} händelser på den här sidan.",
  "search.none": "Inga händelser med de här villkoren.",
  "search.previous": "Föregående sida",
  "search.next": "Nästa sida",
  "search.show": "Visa",
  "search.show_label": "Visa händelse {seq}",
  "search.date_order": "Startdagen måste vara före slutdagen.",

  "col.time": "Tid",
  "col.type": "Händelse",
  "col.agency": "Organisation",
  "col.actor": "Användare",
  "col.target": "Motpart",
  "col.purpose": "Ändamål",
  "col.decision": "Beslut",
  "col.details": "Detaljer",

  "record.title": "Händelse {origin} #{seq}",
  "record.back": "Tillbaka till sökresultaten",
  "record.summary": "Sammandrag",
  "record.time": "Tid",
  "record.type": "Händelse",
  "record.origin": "Logg och löpnummer",
  "record.agency": "Organisation",
  "record.actor": "Användare",
  "record.actor_role": "Användarens roll",
  "record.target": "Motpart",
  "record.direction": "Riktning",
  "record.purpose": "Ändamål",
  "record.decision": "Beslut",
  "record.outcome": "Utfall",
  "record.categories_requested": "Begärda uppgifter",
  "record.categories_granted": "Uppgifter som lämnas ut",
  "record.categories_denied": "Avslagna uppgifter",
  "record.bases": "Rättsliga grunder och förklaringar",
  "record.no_bases": "Händelsen har ingen rättslig grund.",
  "record.consents": "Samtycken och tillstånd",
  "record.justification": "Motivering",
  "record.break_glass": "Nödåtkomst",
  "record.break_glass_yes": "Ja: en nödåtkomst som granskas",
  "record.embargo_until": "Undanhållen från personens egen rapport till",
  "record.reference": "Referens",
  "record.subject": "Personens pseudonym",
  "record.catalog": "Version av katalogen över rättsliga grunder",
  "record.request_digest": "Begärans hashvärde (SHA-256)",
  "record.response_digest": "Hashvärde för utlämnade uppgifter (SHA-256)",
  "record.partial": "Av händelsen finns endast indexuppgifterna (full_record: false).",
  "record.none": "–",

  "bg.title": "Granskning av nödåtkomster",
  "bg.intro":
      "Varje nödåtkomst öppnar ett ärende som ska granskas. Bedöm om åtkomsten var befogad; bedömningen loggas.",
  "bg.state": "Visa",
  "bg.state_open": "Öppna",
  "bg.state_all": "Alla",
  "bg.apply": "Uppdatera listan",
  "bg.none": "Inga nödåtkomster i den här listan.",
  "bg.item": "{agency} → {target}",
  "bg.actor": "Användare",
  "bg.basis": "Rättslig grund",
  "bg.categories": "Uppgifter",
  "bg.justification": "Motivering",
  "bg.opened_at": "Öppnad",
  "bg.due_at": "Ska granskas senast",
  "bg.overdue": "Försenad",
  "bg.state_label": "Status",
  "bg.open": "Öppen",
  "bg.reviewed": "Granskad",
  "bg.audit": "Loggpost",
  "bg.review": "Bedömning",
  "bg.verdict": "Var nödåtkomsten befogad?",
  "bg.justified": "Befogad",
  "bg.unjustified": "Obefogad",
  "bg.note": "Anmärkning",
  "bg.note_hint": "Vad bedömningen grundar sig på. Skriv ingen personbeteckning.",
  "bg.submit": "Spara bedömningen",
  "bg.saving": "Sparar…",
  "bg.saved": "Bedömningen har sparats: {verdict}.",
  "bg.verdict_required": "Välj en bedömning.",
  "bg.reviewer": "Granskare",
  "bg.reviewed_at": "Granskad",
  "bg.more": "Läs följande {max} nödåtkomster",

  "cp.title": "Loggens integritet",
  "cp.intro":
      "Gatewayen undertecknar loggens tillstånd regelbundet (kontrollpunkt). Spara de kontrollpunkter du får: en senare kontrollpunkt och dess konsistensbevis visar att loggen inte har ändrats.",
  "cp.refresh": "Hämta den senaste kontrollpunkten",
  "cp.origin": "Loggens identifierare",
  "cp.size": "Händelser i loggen",
  "cp.root_hash": "Merkleträdets rot",
  "cp.verifier_key": "Offentlig verifieringsnyckel",
  "cp.note": "Undertecknad kontrollpunkt",

  "event.decision": "Beslut",
  "event.disclosure": "Utlämnande",
  "event.referral-sent": "Anmälan skickad",
  "event.referral-delivered": "Anmälan levererad",
  "event.referral-acknowledged": "Anmälan kvitterad",
  "event.referral-decided": "Beslut om anmälan",
  "event.consent-recorded": "Samtycke registrerat",
  "event.consent-revoked": "Samtycke återkallat",
  "event.audit-read": "Läsning av loggdata",
  "event.break-glass": "Nödåtkomst",
  "event.break-glass-review": "Granskning av nödåtkomst",
  "event.auth-failure": "Avvisad anslutning",

  "decision.granted": "Beviljat",
  "decision.partial": "Delvis beviljat",
  "decision.denied": "Avslaget",

  "direction.pull": "Begäran: organisationen begärde uppgifter av motparten",
  "direction.push":
      "Utlämnande på eget initiativ: organisationen lämnade ut uppgifter till motparten",

  "verdict.justified": "befogad",
  "verdict.unjustified": "obefogad",

  "int.checking": "Kontrollerar loggens integritet…",
  "int.signature_ok":
      "Den här webbläsaren kontrollerade kontrollpunktens signatur med nyckeln {key}.",
  "int.first_visit":
      "Den här webbläsaren ser loggen {origin} för första gången och minns nu dess nyckel och tillstånd. Jämför nyckeln med den publicerade verifieringsnyckeln.",
  "int.consistent":
      "Loggen fortsätter kontrollpunkten som den här webbläsaren kontrollerade senast ({size} händelser): ingenting har tagits bort eller ändrats.",
  "int.alarm_title": "Larm: loggens integritet håller inte",
  "int.alarm_help":
      "Anmäl detta genast till tjänstens driftansvariga och den som ansvarar för informationssäkerheten. Lita inte på loggens innehåll innan orsaken har utretts.",
  "int.alarm_link": "Loggens integritet",
  "int.remembered": "Tillstånd som den här webbläsaren minns: {size} händelser, kontrollerat {at}.",
  "verify.bad_key": "Loggens verifieringsnyckel är felaktig.",
  "verify.key_changed":
      "Loggens verifieringsnyckel är en annan än den som den här webbläsaren minns.",
  "verify.bad_note": "Kontrollpunkten har fel format.",
  "verify.no_signature": "Kontrollpunkten saknar en signatur med loggens nyckel.",
  "verify.bad_signature": "Kontrollpunktens signatur stämmer inte: kontrollpunkten har ändrats.",
  "verify.no_ed25519":
      "Den här webbläsaren kan inte kontrollera Ed25519-signaturer. Använd webbläsarens senaste version.",
  "verify.rolled_back":
      "Loggen har färre händelser än kontrollpunkten som den här webbläsaren kontrollerade senast: loggen har återställts bakåt.",
  "verify.rewritten":
      "Loggen fortsätter inte kontrollpunkten som den här webbläsaren kontrollerade senast: loggen har skrivits om.",
  "verify.bad_proof": "Beviset stämmer inte.",
  "verify.bad_known": "Tillståndet som den här webbläsaren minns är felaktigt.",
  "verify.leaf_mismatch": "Händelsen är inte densamma som den loggade: den har ändrats.",
  "verify.partial_record":
      "Av händelsen finns bara indexets uppgifter, så den kan inte kontrolleras.",
  "verify.other_origin":
      "Händelsen finns i en annan logg än den senaste kontrollpunkten, så den kan inte kontrolleras här.",
  "verify.not_yet_covered":
      "Händelsen är nyare än den senaste kontrollpunkten. Försök igen om en stund.",
  "record.verify_title": "Finns händelsen i loggen?",
  "record.verify_help":
      "Webbläsaren beräknar själv händelsens hash och kontrollerar att den ingår i den undertecknade kontrollpunkten.",
  "record.verify": "Kontrollera i den här webbläsaren",
  "record.verified": "Händelsen finns oförändrad i loggen (kontrollpunkt: {size} händelser).",
  "record.not_verified": "Kontrollen misslyckades: {reason}",
  "cp.verify_title": "Kontrollerat i den här webbläsaren",
  "search.purpose": "Användningsändamål",
  "search.purpose_any": "Alla ändamål",
  "search.outcome": "Utfall",
  "search.outcome_any": "Alla utfall",
  "search.outcome_hint":
      "En delvis beviljad begäran är både beviljad och nekad. Misslyckad: den andra organisationens system svarade inte och inga uppgifter överfördes.",
  "outcome.granted": "Beviljad",
  "outcome.denied": "Nekad",
  "outcome.break_glass": "Nödåtkomst",
  "outcome.failed": "Misslyckad",
  "search.case_reference": "Ärendereferens",
  "search.case_reference_hint":
      "Den begärande organisationens ärendebeteckning exakt så som den angavs i begäran, till exempel SOITE-LS-2026-0412.",
  "record.case_reference": "Ärendereferens",
  "nav.stats": "Statistik",
  "stats.title": "Statistik i bilder",
  "stats.intro":
      "Besluten om begäranden och utlämnanden per organisation och vecka, och nödåtkomsterna per månad under den valda tiden. Siffrorna räknas i den här webbläsaren ur loggdata; varje läsning loggas som andra sökningar.",
  "stats.submit": "Visa diagrammen",
  "stats.loading": "Läser händelser… {count}",
  "stats.range_too_long": "Välj en period på högst ett år.",
  "stats.dates_required": "Välj start- och slutdag.",
  "stats.range": "{first} – {last}",
  "stats.counted": "{decisions} beslut och {break_glass} nödåtkomster lästa.",
  "stats.truncated":
      "Under den valda tiden finns fler än {max} händelser av typen {type}: diagrammen visar bara de första {max}. Korta perioden för att se alla.",
  "stats.decisions_heading": "Begäranden per organisation och vecka",
  "stats.decisions_help":
      "Besluten enligt den organisation som begärde eller lämnade ut uppgifterna, nödåtkomster inräknade. Beviljad: beslutet tillät åtminstone en del av uppgifterna; nekad: åtminstone en del nekades (en delvis beviljad är båda). Alla diagram har samma skala.",
  "stats.no_decisions": "Inga beslut under den valda tiden.",
  "stats.agency_title": "{agency}: beviljade och nekade begäranden per vecka",
  "stats.agency_desc":
      "{weeks} veckor under perioden {first} – {last}: sammanlagt {granted} beviljade och {denied} nekade.",
  "stats.break_glass_heading": "Nödåtkomster per månad",
  "stats.break_glass_title": "Nödåtkomster per månad",
  "stats.break_glass_desc":
      "Under perioden {first} – {last} sammanlagt {total} nödåtkomster; högst {peak} under en månad ({peak_month}). Den första och sista månaden bara för den valda tiden.",
  "stats.break_glass": "Nödåtkomster",
  "stats.table": "Siffrorna i tabellform",
  "stats.week": "Vecka",
  "stats.week_short": "{week}",
  "stats.week_long": "Vecka {week}/{year} (från {monday})",
  "stats.month": "Månad",
  "search.acted_by": "Handläggare",
  "search.acted_by_hint":
      "Användar-id som personen agerade med, exakt så som det står i händelserna (kolumnen Användare), till exempel sw-maija. Hittar också dataskyddsombudens egna sökningar.",
  "search.export": "Spara sökresultatet",
  "search.export_hint":
      "Sparar alla händelser som motsvarar sökvillkoren som en fil på den här datorn (högst {max}). Personbeteckningen kommer inte med i filen. Filen innehåller sekretessbelagda uppgifter: förvara den skyddad.",
  "search.export_csv": "Spara CSV",
  "search.export_json": "Spara JSON",
  "search.exporting": "Hämtar händelser att spara… {count}",
  "search.exported": "{count} händelser sparade i filen {file}.",
  "search.export_truncated": "Endast de första {max} händelserna sparades: avgränsa sökningen.",
  "nav.report": "Personens rapport",
  "report.title": "Personens loggdatarapport",
  "report.intro":
      "Personen har rätt att få veta vem som har använt eller fått uppgifter om hen, när, för vilket ändamål och på vilken grund (klientdatalagen 703/2023, 11 §). Rapporten görs på det språk som valts för personen och kan skrivas ut.",
  "report.form": "Vems rapport",
  "report.subject": "Personbeteckning",
  "report.subject_hint":
      "Personbeteckningen skickas till gatewayen endast i den här begäran; den sparas inte och syns inte i sidans adress.",
  "report.subject_required": "Ange personbeteckningen.",
  "report.language": "Rapportens språk",
  "report.submit": "Gör rapporten",
  "report.print": "Skriv ut rapporten",
  "report.ready": "Rapporten är klar: {count} poster.",
  "report.col.date": "Datum",
  "report.col.what": "Vad hände",
  "report.col.from": "Utlämnare",
  "report.col.to": "Mottagare",
  "report.col.information": "Uppgifter",
  "report.col.purpose": "Ändamål",
  "report.col.basis": "Grund",
  "report.contact": "Kontaktuppgifter och dina rättigheter",
  "report.officer": "Endast för dataskyddsombudet",
  "report.generated": "Rapporten gjord",
  "report.withheld":
      "På grund av polisens förundersökning har {count} poster utelämnats ur rapporten. De skrivs inte ut och ges inte till personen förrän sekretessen upphör.",
  "report.embargo_until": "sekretess till",
  "bg.state_history": "Granskningshistorik (granskade)",
  "bg.summary":
      "Öppna {open}, varav försenade {overdue}; granskade {reviewed}. De öppna visas efter sista dag, de försenade först; de granskade med den senaste granskningen först.",
  "cp.witnesses": "Vittnen",
  "cp.witnesses_intro":
      "Ett vittne är en tjänst hos en annan organisation som kontrasignerar loggens kontrollpunkt endast om loggen fortsätter den som signerades tidigare. Den här webbläsaren kontrollerar varje kontrasignatur med vittnets nyckel; jämför nyckeln med den som vittnet publicerat.",
  "cp.no_witnesses": "Inga vittnen har konfigurerats för den här loggen.",
  "cp.quorum_met":
      "{verified}/{count} vittnens kontrasignaturer är giltiga på den här kontrollpunkten (krävs {quorum}).",
  "cp.quorum_short":
      "Endast {verified}/{count} vittnens kontrasignaturer är giltiga på den här kontrollpunkten, {quorum} krävs. Ett vittne kan vara onåbart; om läget fortsätter, meddela driften.",
  "cp.w_name": "Vittne och nyckel",
  "cp.w_cosignature": "Kontrasignatur i den här webbläsaren",
  "cp.w_state": "Läge enligt gatewayen",
  "cp.w_cosigned": "Senast kontrasignerad",
  "cp.w_size": "{size} händelser",
  "cp.w_error": "Senaste fel",
  "cp.cosig_ok": "Giltig, signerad",
  "wstate.ok": "I drift",
  "wstate.pending": "Har inte kontrasignerat ännu",
  "wstate.unavailable": "Inte nåbar",
  "wstate.refusing": "Vägrar: loggens historik stämmer inte med vittnets",
  "verify.no_cosignature": "Kontrollpunkten har ingen kontrasignatur av det här vittnet.",
};

const en = {
  "app.title": "Silta – the privacy officer's console",
  "app.short": "Silta",
  "app.skip": "Skip to content",
  "app.loading": "Loading…",
  "app.nav": "Main menu",
  "app.language": "Language",
  "app.signed_in_as": "Signed in: {name}",
  "app.footer": "Every search made in this console is logged under the user id {actor}.",
  "app.not_found": "No such page.",

  "nav.home": "Home",
  "nav.search": "Search the audit log",
  "nav.break_glass": "Break-glass accesses",
  "nav.checkpoint": "Log integrity",

  "error.title": "The request failed",
  "error.network": "The gateway could not be reached. Check the connection and try again.",
  "error.status": "The gateway answered with error {status}.",
  "error.fields": "Correct these fields:",
  "error.field_unknown": "Request",
  "error.audit_unavailable":
      "The audit log could not be written, so nothing was shown. Try again later.",

  "home.title": "Who am I",
  "home.intro":
      "The gateway knows you by your certificate. You hold the privacy officer's role: you can search the audit log, review break-glass accesses and check the log's integrity.",
  "home.name": "Name",
  "home.agency_id": "Id in the registry",
  "home.kind": "Kind of agency",
  "home.business_id": "Business ID",
  "home.roles": "Roles",
  "home.actor": "User id in the log",

  "search.title": "Search the audit log",
  "search.intro":
      "Search the audit log by person, agency, kind of event, outcome, purpose, case reference and time. The gateway turns the identity code into a pseudonym; it is neither stored nor shown.",
  "search.filters": "Search criteria",
  "search.subject": "Personal identity code",
  "search.subject_hint": "For example 010190-999W. Finds every event about the person.",
  "search.agency": "Agency",
  "search.agency_hint": "The agency's id in the registry, as the actor or the other party.",
  "search.event_type": "Kind of event",
  "search.event_type_any": "All kinds",
  "search.from": "From (day)",
  "search.until": "Until (day)",
  "search.dates_hint": "Days in Finnish time; both days included.",
  "search.limit": "Rows per page",
  "search.submit": "Search",
  "search.clear": "Clear",
  "search.searching": "Searching…",
  "search.results": "Results, page {page}",
  "search.results_count": "{count} events on this page.",
  "search.none": "No events match these criteria.",
  "search.previous": "Previous page",
  "search.next": "Next page",
  "search.show": "Show",
  "search.show_label": "Show event {seq}",
  "search.date_order": "The first day must not be after the last day.",

  "col.time": "Time",
  "col.type": "Event",
  "col.agency": "Agency",
  "col.actor": "User",
  "col.target": "Other party",
  "col.purpose": "Purpose",
  "col.decision": "Decision",
  "col.details": "Details",

  "record.title": "Event {origin} #{seq}",
  "record.back": "Back to the results",
  "record.summary": "Summary",
  "record.time": "Time",
  "record.type": "Event",
  "record.origin": "Log and sequence number",
  "record.agency": "Agency",
  "record.actor": "User",
  "record.actor_role": "User's role",
  "record.target": "Other party",
  "record.direction": "Direction",
  "record.purpose": "Purpose",
  "record.decision": "Decision",
  "record.outcome": "Outcome",
  "record.categories_requested": "Data asked for",
  "record.categories_granted": "Data that may be disclosed",
  "record.categories_denied": "Data refused",
  "record.bases": "Legal bases and explanations",
  "record.no_bases": "No legal basis belongs to this event.",
  "record.consents": "Consents and permits",
  "record.justification": "Justification",
  "record.break_glass": "Break-glass",
  "record.break_glass_yes": "Yes: an emergency access, to be reviewed",
  "record.embargo_until": "Withheld from the person's own report until",
  "record.reference": "Reference",
  "record.subject": "The person's pseudonym",
  "record.catalog": "Version of the catalog of legal bases",
  "record.request_digest": "Digest of the request (SHA-256)",
  "record.response_digest": "Digest of what was disclosed (SHA-256)",
  "record.partial": "Only the index fields of this event are available (full_record: false).",
  "record.none": "–",

  "bg.title": "Review of break-glass accesses",
  "bg.intro":
      "Every emergency (break-glass) access opens an item to review. Judge whether the access was justified; your review is written to the audit log.",
  "bg.state": "Show",
  "bg.state_open": "Open",
  "bg.state_all": "All",
  "bg.apply": "Update the list",
  "bg.none": "No break-glass accesses in this list.",
  "bg.item": "{agency} → {target}",
  "bg.actor": "User",
  "bg.basis": "Legal basis",
  "bg.categories": "Data",
  "bg.justification": "Justification",
  "bg.opened_at": "Opened",
  "bg.due_at": "To be reviewed by",
  "bg.overdue": "Overdue",
  "bg.state_label": "State",
  "bg.open": "Open",
  "bg.reviewed": "Reviewed",
  "bg.audit": "Audit record",
  "bg.review": "Review",
  "bg.verdict": "Was the emergency access justified?",
  "bg.justified": "Justified",
  "bg.unjustified": "Unjustified",
  "bg.note": "Note",
  "bg.note_hint": "What your review rests on. Do not write an identity code.",
  "bg.submit": "Save the review",
  "bg.saving": "Saving…",
  "bg.saved": "Review saved: {verdict}.",
  "bg.verdict_required": "Choose a verdict.",
  "bg.reviewer": "Reviewer",
  "bg.reviewed_at": "Reviewed",
  "bg.more": "Read the next {max} break-glass accesses",

  "cp.title": "Log integrity",
  "cp.intro":
      "The gateway signs the state of its log at regular intervals (a checkpoint). Keep the checkpoints you receive: a later checkpoint with a consistency proof to yours shows that the log was not changed.",
  "cp.refresh": "Get the latest checkpoint",
  "cp.origin": "Log origin",
  "cp.size": "Events in the log",
  "cp.root_hash": "Root of the Merkle tree",
  "cp.verifier_key": "Public verifier key",
  "cp.note": "Signed checkpoint",

  "event.decision": "Decision",
  "event.disclosure": "Disclosure",
  "event.referral-sent": "Referral sent",
  "event.referral-delivered": "Referral delivered",
  "event.referral-acknowledged": "Referral acknowledged",
  "event.referral-decided": "Referral decided",
  "event.consent-recorded": "Consent recorded",
  "event.consent-revoked": "Consent revoked",
  "event.audit-read": "Audit log read",
  "event.break-glass": "Break-glass access",
  "event.break-glass-review": "Break-glass review",
  "event.auth-failure": "Refused client",

  "decision.granted": "Granted",
  "decision.partial": "Partly granted",
  "decision.denied": "Denied",

  "direction.pull": "Pull: the agency asked the other party for data",
  "direction.push": "Push: the agency disclosed data to the other party on its own initiative",

  "verdict.justified": "justified",
  "verdict.unjustified": "unjustified",

  "int.checking": "Checking the log's integrity…",
  "int.signature_ok": "This browser checked the checkpoint's signature with the key {key}.",
  "int.first_visit":
      "This browser sees the log {origin} for the first time and now remembers its key and state. Compare the key with the published verifier key.",
  "int.consistent":
      "The log continues the checkpoint this browser verified last ({size} events): nothing was removed or changed.",
  "int.alarm_title": "Alarm: the log's integrity does not hold",
  "int.alarm_help":
      "Report this at once to the service's operators and whoever is responsible for information security. Do not rely on the log's contents until the cause is known.",
  "int.alarm_link": "Log integrity",
  "int.remembered": "State this browser remembers: {size} events, verified {at}.",
  "verify.bad_key": "The log's verifier key is malformed.",
  "verify.key_changed": "The log's verifier key is not the one this browser remembers.",
  "verify.bad_note": "The checkpoint is malformed.",
  "verify.no_signature": "The checkpoint has no signature by the log's key.",
  "verify.bad_signature": "The checkpoint's signature does not verify: the checkpoint was altered.",
  "verify.no_ed25519":
      "This browser cannot check Ed25519 signatures. Use the browser's latest version.",
  "verify.rolled_back":
      "The log has fewer events than the checkpoint this browser verified last: the log was rolled back.",
  "verify.rewritten":
      "The log does not continue the checkpoint this browser verified last: the log was rewritten.",
  "verify.bad_proof": "The proof does not hold.",
  "verify.bad_known": "The state this browser remembers is malformed.",
  "verify.leaf_mismatch": "The record is not the one the log holds: it was altered.",
  "verify.partial_record":
      "Only the index's data of this record is available, so it cannot be checked.",
  "verify.other_origin":
      "The record is in another log than the latest checkpoint, so it cannot be checked here.",
  "verify.not_yet_covered":
      "The record is newer than the latest checkpoint. Try again in a moment.",
  "record.verify_title": "Is this record in the log?",
  "record.verify_help":
      "The browser computes the record's hash itself and checks that it is included in the signed checkpoint.",
  "record.verify": "Check in this browser",
  "record.verified": "The record is in the log, unchanged (checkpoint: {size} events).",
  "record.not_verified": "The check failed: {reason}",
  "cp.verify_title": "Checked in this browser",
  "search.purpose": "Purpose",
  "search.purpose_any": "All purposes",
  "search.outcome": "Outcome",
  "search.outcome_any": "Any outcome",
  "search.outcome_hint":
      "A partly granted request is both granted and denied. Failed: the other agency's system did not answer and no data moved.",
  "outcome.granted": "Granted",
  "outcome.denied": "Denied",
  "outcome.break_glass": "Break-glass access",
  "outcome.failed": "Failed",
  "search.case_reference": "Case reference",
  "search.case_reference_hint":
      "The requester's own case reference exactly as the request stated it, for example SOITE-LS-2026-0412.",
  "record.case_reference": "Case reference",
  "nav.stats": "Statistics",
  "stats.title": "Statistics in charts",
  "stats.intro":
      "Decisions on requests and disclosures per agency per week, and emergency accesses per month, over the days chosen. The figures are counted in this browser from the audit log; every read is logged like any search.",
  "stats.submit": "Show the charts",
  "stats.loading": "Reading events… {count}",
  "stats.range_too_long": "Choose a range of at most a year.",
  "stats.dates_required": "Choose the first and the last day.",
  "stats.range": "{first} – {last}",
  "stats.counted": "{decisions} decisions and {break_glass} emergency accesses read.",
  "stats.truncated":
      "The range holds more than {max} events of the type {type}: the charts show only the first {max} of them. Shorten the range to see them all.",
  "stats.decisions_heading": "Requests per agency per week",
  "stats.decisions_help":
      "Decisions by the agency that asked for the data or disclosed it, emergency accesses included. Granted: the decision allowed at least part of the data; denied: at least part was refused (a partly granted request is both). All charts share one scale.",
  "stats.no_decisions": "No decisions in the range chosen.",
  "stats.agency_title": "{agency}: requests granted and denied per week",
  "stats.agency_desc":
      "{weeks} weeks from {first} to {last}: {granted} granted and {denied} denied in all.",
  "stats.break_glass_heading": "Emergency accesses per month",
  "stats.break_glass_title": "Emergency accesses per month",
  "stats.break_glass_desc":
      "From {first} to {last}, {total} emergency accesses in all; at most {peak} in a month ({peak_month}). The first and last months only for the days chosen.",
  "stats.break_glass": "Emergency accesses",
  "stats.table": "The figures as a table",
  "stats.week": "Week",
  "stats.week_short": "{week}",
  "stats.week_long": "Week {week}/{year} (from {monday})",
  "stats.month": "Month",
  "search.acted_by": "Acting official",
  "search.acted_by_hint":
      "The user id the person acted under, exactly as the events show it (the User column), for example sw-maija. Finds privacy officers' own searches too.",
  "search.export": "Save the results",
  "search.export_hint":
      "Saves every event that matches the criteria as a file on this computer (at most {max}). The identity code is not in the file. The file holds confidential data: keep it protected.",
  "search.export_csv": "Save as CSV",
  "search.export_json": "Save as JSON",
  "search.exporting": "Fetching events to save… {count}",
  "search.exported": "{count} events saved to {file}.",
  "search.export_truncated": "Only the first {max} events were saved: narrow the search.",
  "nav.report": "Person's report",
  "report.title": "The person's log-data report",
  "report.intro":
      "The person has the right to know who used or received data about them, when, for what purpose and on which basis (Client Data Act 703/2023, section 11). The report is made in the language chosen for the person and can be printed.",
  "report.form": "Whose report",
  "report.subject": "Personal identity code",
  "report.subject_hint":
      "The identity code goes to the gateway in this request only; it is not stored and never appears in the page's address.",
  "report.subject_required": "Enter the identity code.",
  "report.language": "Language of the report",
  "report.submit": "Make the report",
  "report.print": "Print the report",
  "report.ready": "The report is ready: {count} entries.",
  "report.col.date": "Date",
  "report.col.what": "What happened",
  "report.col.from": "Disclosed by",
  "report.col.to": "Received by",
  "report.col.information": "Information",
  "report.col.purpose": "Purpose",
  "report.col.basis": "Basis",
  "report.contact": "Contact details and your rights",
  "report.officer": "For the privacy officer only",
  "report.generated": "Report made",
  "report.withheld":
      "Because of a police investigation, {count} entries are left out of the report. They are not printed and not given to the person before the embargo ends.",
  "report.embargo_until": "embargoed until",
  "bg.state_history": "History of reviews (reviewed)",
  "bg.summary":
      "Open {open}, of which overdue {overdue}; reviewed {reviewed}. Open items are in order of their due date, overdue ones first; reviewed ones with the latest review first.",
  "cp.witnesses": "Witnesses",
  "cp.witnesses_intro":
      "A witness is a service run by another organisation that cosigns the log's checkpoint only if the log continues the one it cosigned before. This browser checks each cosignature with the witness's key; compare the key with the one the witness published.",
  "cp.no_witnesses": "No witnesses are configured for this log.",
  "cp.quorum_met":
      "{verified} of {count} witnesses' cosignatures on this checkpoint are valid ({quorum} required).",
  "cp.quorum_short":
      "Only {verified} of {count} witnesses' cosignatures on this checkpoint are valid, {quorum} required. A witness may be unreachable; if this lasts, tell the operators.",
  "cp.w_name": "Witness and key",
  "cp.w_cosignature": "Cosignature, checked here",
  "cp.w_state": "State, as the gateway says",
  "cp.w_cosigned": "Last cosigned",
  "cp.w_size": "{size} events",
  "cp.w_error": "Last error",
  "cp.cosig_ok": "Valid, signed",
  "wstate.ok": "Working",
  "wstate.pending": "Not cosigned yet",
  "wstate.unavailable": "Unreachable",
  "wstate.refusing": "Refusing: the log's history does not match the witness's",
  "verify.no_cosignature": "The checkpoint has no cosignature by this witness.",
};

export const tables = {
  fi,
  sv,
  en
};

// The event types of the audit log (docs/formats/audit-log.md), in the order of the filter.
export const eventTypes = [
  "decision",
  "disclosure",
  "referral-sent",
  "referral-delivered",
  "referral-acknowledged",
  "referral-decided",
  "consent-recorded",
  "consent-revoked",
  "audit-read",
  "break-glass",
  "break-glass-review",
  "auth-failure",
];

// The console's current language; set by setLanguage().
let current = "fi";

export function language() {
  return current;
}

export function setLanguage(lang) {
  current = lang;
  document.documentElement.lang = lang;
}

export function isLang(value) {
  return typeof value === "string" && languages.includes(value);
}

// The first of the browser's languages the console has; Finnish when it has none of them.
export function browserLanguage(preferred) {
  for (const tag of preferred) {
    const primary = tag.toLowerCase().split("-")[0];
    if (isLang(primary)) return primary;
  }
  return "fi";
}

export function t(key, params = {}) {
  return tIn(current, key, params);
}

// A text in a given language, whatever the console's: the person's report is in the person's.
export function tIn(lang, key, params = {}) {
  return tables[lang][key].replace(
      /\{(\w+)\}/g, (whole, name) => name in params ? String(params[name]) : whole);
}

// A text for a value the API names by id ("event.decision"); the id itself when the console has
// no text for it (a newer gateway may know more values than this console).
export function tOr(prefix, id) {
  const key = `${prefix}.${id}`;
  return key in fi ? t(key) : id;
}

// Each language's own name, written in that language (shown on the language switch).
export const languageNames = {
  fi: "Suomi",
  sv: "Svenska",
  en: "English"
};
