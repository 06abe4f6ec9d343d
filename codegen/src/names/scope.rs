//! A scope: one namespace of one generated output, from which every name
//! that output declares there is taken, the readers' own and those derived
//! from the declaration alike. A second owner of a name is a collision.

use std::collections::HashMap;

/// Who a name in a [`Scope`] belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// The readers themselves, or the language or headers they are written
    /// against: what the name is (`"a Python keyword"`, `"the ring buffer
    /// map"`).
    Reader(&'static str),
    /// The provider (its name starts every name of its readers).
    Provider,
    /// The tracepoint at this position of its provider.
    Tracepoint(usize),
    /// An argument: its tracepoint's position and its own.
    Arg {
        /// The tracepoint's position in its provider.
        tracepoint: usize,
        /// The argument's position in the tracepoint.
        arg: usize,
    },
}

/// A name taken twice in one scope: by `taken_by` first, then by `owner`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collision {
    /// Where, e.g. "the generated C readers".
    pub namespace: String,
    /// The name both would have.
    pub name: String,
    /// Who asked for it second (always from the declaration).
    pub owner: Owner,
    /// Who has it.
    pub taken_by: Owner,
}

/// One namespace of one output.
#[derive(Debug)]
pub struct Scope {
    namespace: String,
    /// Every name taken, by its owner: a map, so that taking a name costs
    /// the same however many there are (a provider may have thousands).
    names: HashMap<String, Owner>,
    /// Word lists reserved whole (a language's keywords), kept by
    /// reference: a scope per struct would otherwise copy them all.
    reserved: Vec<(&'static [&'static str], &'static str)>,
    /// Prefixes only the readers' own names may start with.
    prefixes: Vec<(&'static str, &'static str)>,
    collisions: Vec<Collision>,
}

impl Scope {
    /// An empty scope; `namespace` says where it is in error messages
    /// (e.g. "the Python class `NetInboundConnection`").
    pub fn new(namespace: impl Into<String>) -> Scope {
        Scope {
            namespace: namespace.into(),
            names: HashMap::new(),
            reserved: Vec::new(),
            prefixes: Vec::new(),
            collisions: Vec::new(),
        }
    }

    /// Reserves every one of `words` (a language's keywords, say) as
    /// `what`.
    pub fn reserve(mut self, words: &'static [&'static str], what: &'static str) -> Scope {
        self.reserved.push((words, what));
        self
    }

    /// What reserved `name` in a word list, if one did.
    fn reserved_as(&self, name: &str) -> Option<&'static str> {
        self.reserved
            .iter()
            .find(|(words, _)| words.contains(&name))
            .map(|(_, what)| *what)
    }

    /// Reserves every name starting with `prefix` as `what`: no name from
    /// the declaration may start with it.
    pub fn reserve_prefix(mut self, prefix: &'static str, what: &'static str) -> Scope {
        self.prefixes.push((prefix, what));
        self
    }

    /// Takes `name` for the readers themselves (`what` says what it is)
    /// and returns it.
    pub fn reader(&mut self, name: impl Into<String>, what: &'static str) -> String {
        let name = name.into();
        if self.reserved_as(&name).is_some() {
            // Reserved by a word list: the first wording stays.
            return name;
        }
        match self.names.get_mut(&name) {
            // Two lists may share a word (`bool` is a C keyword and a
            // predefined macro): the first wording stays.
            Some(Owner::Reader(_)) => {}
            // Taken from the declaration before the readers claimed it.
            Some(first) => {
                self.collisions.push(Collision {
                    namespace: self.namespace.clone(),
                    name: name.clone(),
                    owner: *first,
                    taken_by: Owner::Reader(what),
                });
                *first = Owner::Reader(what);
            }
            None => {
                self.names.insert(name.clone(), Owner::Reader(what));
            }
        }
        name
    }

    /// Takes `name` for `owner`, a tracepoint or an argument of the
    /// declaration, and returns it; when another owner has it (or a
    /// reserved prefix starts it), records the collision.
    pub fn user(&mut self, name: impl Into<String>, owner: Owner) -> String {
        let name = name.into();
        let taken_by = self
            .names
            .get(&name)
            .copied()
            .or_else(|| self.reserved_as(&name).map(Owner::Reader))
            .or_else(|| {
                self.prefixes
                    .iter()
                    .find(|(prefix, _)| name.starts_with(prefix))
                    .map(|(_, what)| Owner::Reader(what))
            });
        match taken_by {
            Some(taken_by) if taken_by != owner => self.collisions.push(Collision {
                namespace: self.namespace.clone(),
                name: name.clone(),
                owner,
                taken_by,
            }),
            Some(_) => {}
            None => {
                self.names.insert(name.clone(), owner);
            }
        }
        name
    }

    /// The collisions recorded, in the order they happened.
    pub fn into_collisions(self) -> Vec<Collision> {
        self.collisions
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_owner_collides_with_the_first() {
        let mut scope = Scope::new("the test").reserve(&["int"], "a C keyword");
        scope.reader("net_events", "the ring buffer map");
        scope.user("net_a", Owner::Tracepoint(0));
        scope.user("net_a", Owner::Tracepoint(0));
        scope.user("net_a", Owner::Tracepoint(1));
        scope.user(
            "int",
            Owner::Arg {
                tracepoint: 0,
                arg: 0,
            },
        );
        let collisions = scope.into_collisions();
        assert_eq!(collisions.len(), 2);
        assert_eq!(collisions[0].taken_by, Owner::Tracepoint(0));
        assert_eq!(collisions[1].taken_by, Owner::Reader("a C keyword"));
    }

    #[test]
    fn a_reserved_prefix_is_the_readers() {
        let mut scope = Scope::new("the test").reserve_prefix("bpf_", "a libbpf name");
        scope.user("bpf_map", Owner::Tracepoint(0));
        scope.user("net_bpf", Owner::Tracepoint(1));
        assert_eq!(scope.into_collisions().len(), 1);
    }
}
