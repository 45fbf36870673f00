// The fake school system behind the example adapter: a student administration register with a
// few pupils. In a real adapter this module is where you query your own system (a database,
// the vendor's API...). Identity codes are invented, from the temporary range (900-999).
'use strict';

const SYSTEM = 'Kokkola basic education, student administration (Node.js example adapter)';

// The catalog categories this register holds.
const CATEGORIES = ['identity_contact', 'school_attendance', 'grades', 'learning_support'];

const pupils = new Map([
  ['050912A931L', {
    identity_contact: [{
      identity_code: '050912A931L', given_names: 'Onni Aleksi', family_name: 'Lahti',
      birth_date: '2012-09-05', language: 'fi', turvakielto: false,
      address: {street: 'Testikuja 4 A 2', postal_code: '67100', city: 'Kokkola'},
      guardians: [{given_names: 'Sanna Kristiina', family_name: 'Lahti',
                   email: 'sanna.lahti@example.invalid'}],
    }],
    school_attendance: [{
      school: 'Harjoituskadun yhtenäiskoulu', class: '8C',
      period: {from: '2026-08-12', to: '2026-11-20'},
      lessons: 416, absent_excused_hours: 12, absent_unexcused_hours: 6, late: 5,
    }],
    grades: [{
      term: 'spring 2026', class: '7C', report: 'end of year',
      subjects: {Finnish: 7, mathematics: 8, English: 7, Swedish: 6, history: 7,
                 'physical education': 9},
    }],
    learning_support: [{level: 'general support (yleinen tuki)', decided: '2025-09-01',
                        measures: ['Finnish reading support group']}],
  }],
  ['110213A913H', {
    identity_contact: [{
      identity_code: '110213A913H', given_names: 'Veeti Juhani', family_name: 'Koskinen',
      birth_date: '2013-02-11', language: 'fi', turvakielto: false,
      address: {street: 'Harjoituskatu 12 B 7', postal_code: '67100', city: 'Kokkola'},
    }],
    school_attendance: [{
      school: 'Harjoituskadun yhtenäiskoulu', class: '7B',
      period: {from: '2026-08-12', to: '2026-11-20'},
      lessons: 412, absent_excused_hours: 38, absent_unexcused_hours: 27, late: 14,
    }],
    grades: [],
    learning_support: [{level: 'intensified support (tehostettu tuki)', decided: '2026-10-15',
                        measures: ['remedial teaching in mathematics']}],
  }],
]);

// Records of the requested categories about one pupil, or null when the pupil is not known.
// A category this register does not hold is answered with no records.
function lookup(identityCode, categories) {
  const pupil = pupils.get(identityCode);
  if (!pupil) return null;
  const out = {};
  for (const c of categories) out[c] = pupil[c] || [];
  return out;
}

module.exports = {SYSTEM, CATEGORIES, lookup};
