// Package metrics scores NER tag sequences the way the field's scorers do,
// so nerkit's numbers can be put next to published ones.
//
// Two entity modes are offered:
//
// Conlleval reproduces conlleval.pl (version 2004-01-26, default options)
// exactly, quirks included: its chunk start/end rules read IOB1, IOB2 and
// IOE tags and the bracket tags "[" and "]", but know no S- (so BIOES
// "S-X S-X" is one chunk: convert BIOES to IOB2 first); an I-X after O or
// after another type starts a chunk; a chunk's type is the text after
// the first '-' (a type "0" counts as no type, as in Perl); a sentence
// boundary is scored as an extra O/O token that is not counted; accuracy
// is over all tokens.
//
// Strict reproduces seqeval with mode="strict", scheme=IOB2: an entity is
// one B-X followed by the longest run of I-X. It differs from Conlleval in
// three ways:
//
//   - an I-X that does not continue a B-X/I-X run of the same type belongs
//     to no entity (conlleval starts a chunk there), so "O I-PER I-PER" has
//     no entity in Strict and one PER chunk in Conlleval, and
//     "B-PER I-LOC" has one entity (PER) in Strict and two in Conlleval;
//   - only the prefixes B, I and O are valid; anything else (E-, S-, "[",
//     an empty tag) is an error, as seqeval raises one;
//   - the type is the text after the prefix letter with leading and
//     trailing '-' removed ("_" when empty), and every tag whose first
//     letter is O is outside.
//
// Both modes count an entity as correct only when gold and prediction agree
// on its first word, last word and type.
package metrics
