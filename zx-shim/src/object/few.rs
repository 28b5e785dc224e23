//! `Few<T>`: a list that keeps its first item inline. The VMAR calls collect a few
//! items per call (targets of a protect, VMOs to drop after the lock); almost always
//! there is one, and the fast path must not allocate for it.

/// Items in push order; the first one needs no heap allocation.
#[derive(Debug)]
pub struct Few<T> {
    first: Option<T>,
    rest: Vec<T>,
}

impl<T> Default for Few<T> {
    fn default() -> Self {
        Few {
            first: None,
            rest: Vec::new(),
        }
    }
}

impl<T> Few<T> {
    pub fn push(&mut self, item: T) {
        if self.first.is_none() {
            self.first = Some(item);
        } else {
            self.rest.push(item);
        }
    }

    pub fn len(&self) -> usize {
        usize::from(self.first.is_some()) + self.rest.len()
    }

    pub fn is_empty(&self) -> bool {
        self.first.is_none()
    }
}

impl<T> IntoIterator for Few<T> {
    type Item = T;
    type IntoIter = std::iter::Chain<std::option::IntoIter<T>, std::vec::IntoIter<T>>;

    fn into_iter(self) -> Self::IntoIter {
        self.first.into_iter().chain(self.rest)
    }
}

#[cfg(test)]
mod tests {
    use super::Few;

    #[test]
    fn keeps_push_order() {
        let mut few = Few::default();
        assert!(few.is_empty());
        for i in 0..5 {
            few.push(i);
        }
        assert_eq!(few.len(), 5);
        assert_eq!(few.into_iter().collect::<Vec<_>>(), vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn one_item_stays_inline() {
        let mut few = Few::default();
        few.push("only");
        assert_eq!(few.rest.capacity(), 0);
        assert_eq!(few.into_iter().collect::<Vec<_>>(), vec!["only"]);
    }
}
