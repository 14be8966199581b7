//! Tracking ids: short, unambiguous, random.

use rand::Rng;

/// Letters and digits that cannot be misread for one another (no 0/O, 1/I).
const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
/// Random characters after the prefix: 32^12 = 2^60 possibilities.
const RANDOM_CHARS: usize = 12;
const PREFIX: &str = "SHP-";

/// A new tracking id such as `SHP-7KQ2-MX9D-4HTA`.
pub fn tracking_id(rng: &mut impl Rng) -> String {
    let mut id = String::with_capacity(PREFIX.len() + RANDOM_CHARS + 2);
    id.push_str(PREFIX);
    for index in 0..RANDOM_CHARS {
        if index > 0 && index % 4 == 0 {
            id.push('-');
        }
        let pick = rng.random_range(0..ALPHABET.len());
        id.push(char::from(ALPHABET[pick]));
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::SmallRng;
    use rand::SeedableRng;

    #[test]
    fn ids_are_three_groups_of_four_after_the_prefix() {
        let id = tracking_id(&mut rand::rng());
        let groups: Vec<&str> = id.strip_prefix(PREFIX).unwrap().split('-').collect();
        assert_eq!(groups.len(), 3);
        assert!(groups.iter().all(|group| group.len() == 4));
    }

    #[test]
    fn ids_use_only_unambiguous_characters() {
        let id = tracking_id(&mut rand::rng());
        let body = id.strip_prefix(PREFIX).unwrap().replace('-', "");
        assert!(body.bytes().all(|byte| ALPHABET.contains(&byte)), "{id}");
    }

    #[test]
    fn consecutive_ids_differ() {
        let mut rng = SmallRng::seed_from_u64(7);
        let first = tracking_id(&mut rng);
        assert_ne!(first, tracking_id(&mut rng));
    }
}
