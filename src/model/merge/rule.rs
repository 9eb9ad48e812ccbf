//! The one three-way rule: what happened to a value between the base and each side.
//!
//! Every merge site (the whole file, frontmatter fields, list items, paragraphs, decisions,
//! unknown sections, text sections) asks [`three_way`] which [`Case`] it is in and matches on
//! it; only what to do when both sides changed a value differently is the site's own choice.

/// What the two sides did to one value, given the base (absent: not there on that side).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// Base and both sides hold the same value.
    Unchanged,
    /// Ours changed it; theirs left it as in the base.
    OnlyOursChanged,
    /// Theirs changed it; ours left it as in the base.
    OnlyTheirsChanged,
    /// Both changed it to the same value.
    BothSameChange,
    /// Both changed it, differently: the site decides.
    BothChanged,
    /// Not in the base; only ours added it.
    AddedOnlyOurs,
    /// Not in the base; only theirs added it.
    AddedOnlyTheirs,
    /// Not in the base (or no base at all); both added the same value.
    AddedBothSame,
    /// Not in the base (or no base at all); both added it, differently: the site decides.
    AddedBothDifferent,
    /// Ours removed it; theirs left it as in the base.
    RemovedByOurs,
    /// Ours removed it; theirs changed it.
    RemovedByOursChangedByTheirs,
    /// Theirs removed it; ours left it as in the base.
    RemovedByTheirs,
    /// Theirs removed it; ours changed it.
    RemovedByTheirsChangedByOurs,
    /// Both removed it.
    RemovedByBoth,
    /// Not in the base nor on either side.
    Absent,
}

/// The side whose value (or absence) a case keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Ours,
    Theirs,
}

impl Case {
    /// The side that wins when only one side did something: a side that left the value alone
    /// defers to the side that changed, added or removed it, and a change beats a removal.
    /// `None` for the two cases where both sides made different changes.
    pub fn clean(self) -> Option<Side> {
        use Case::*;
        match self {
            Unchanged
            | OnlyOursChanged
            | BothSameChange
            | AddedOnlyOurs
            | AddedBothSame
            | RemovedByOurs
            | RemovedByTheirsChangedByOurs
            | RemovedByBoth
            | Absent => Some(Side::Ours),
            OnlyTheirsChanged
            | AddedOnlyTheirs
            | RemovedByTheirs
            | RemovedByOursChangedByTheirs => Some(Side::Theirs),
            BothChanged | AddedBothDifferent => None,
        }
    }
}

/// Which [`Case`] a value is in, given its base and the two sides (`None`: absent there).
pub fn three_way<T: PartialEq + ?Sized>(
    base: Option<&T>,
    ours: Option<&T>,
    theirs: Option<&T>,
) -> Case {
    use Case::*;
    match (base, ours, theirs) {
        (Some(b), Some(o), Some(t)) => match (o == b, t == b) {
            (true, true) => Unchanged,
            (false, true) => OnlyOursChanged,
            (true, false) => OnlyTheirsChanged,
            (false, false) if o == t => BothSameChange,
            (false, false) => BothChanged,
        },
        (None, Some(o), Some(t)) if o == t => AddedBothSame,
        (None, Some(_), Some(_)) => AddedBothDifferent,
        (None, Some(_), None) => AddedOnlyOurs,
        (None, None, Some(_)) => AddedOnlyTheirs,
        (None, None, None) => Absent,
        (Some(b), None, Some(t)) if t == b => RemovedByOurs,
        (Some(_), None, Some(_)) => RemovedByOursChangedByTheirs,
        (Some(b), Some(o), None) if o == b => RemovedByTheirs,
        (Some(_), Some(_), None) => RemovedByTheirsChangedByOurs,
        (Some(_), None, None) => RemovedByBoth,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(b: Option<&str>, o: Option<&str>, t: Option<&str>) -> Case {
        three_way(b, o, t)
    }

    #[test]
    fn unchanged_keeps_ours() {
        assert_eq!(case(Some("a"), Some("a"), Some("a")), Case::Unchanged);
        assert_eq!(Case::Unchanged.clean(), Some(Side::Ours));
    }

    #[test]
    fn only_ours_changed_keeps_ours() {
        assert_eq!(case(Some("a"), Some("o"), Some("a")), Case::OnlyOursChanged);
        assert_eq!(Case::OnlyOursChanged.clean(), Some(Side::Ours));
    }

    #[test]
    fn only_theirs_changed_takes_theirs() {
        assert_eq!(
            case(Some("a"), Some("a"), Some("t")),
            Case::OnlyTheirsChanged
        );
        assert_eq!(Case::OnlyTheirsChanged.clean(), Some(Side::Theirs));
    }

    #[test]
    fn both_same_change_keeps_ours() {
        assert_eq!(case(Some("a"), Some("x"), Some("x")), Case::BothSameChange);
        assert_eq!(Case::BothSameChange.clean(), Some(Side::Ours));
    }

    #[test]
    fn both_changed_is_left_to_the_site() {
        assert_eq!(case(Some("a"), Some("o"), Some("t")), Case::BothChanged);
        assert_eq!(Case::BothChanged.clean(), None);
    }

    #[test]
    fn added_only_ours_keeps_ours() {
        assert_eq!(case(None, Some("o"), None), Case::AddedOnlyOurs);
        assert_eq!(Case::AddedOnlyOurs.clean(), Some(Side::Ours));
    }

    #[test]
    fn added_only_theirs_takes_theirs() {
        assert_eq!(case(None, None, Some("t")), Case::AddedOnlyTheirs);
        assert_eq!(Case::AddedOnlyTheirs.clean(), Some(Side::Theirs));
    }

    #[test]
    fn added_both_same_keeps_ours() {
        assert_eq!(case(None, Some("x"), Some("x")), Case::AddedBothSame);
        assert_eq!(Case::AddedBothSame.clean(), Some(Side::Ours));
    }

    #[test]
    fn added_both_different_is_left_to_the_site() {
        assert_eq!(case(None, Some("o"), Some("t")), Case::AddedBothDifferent);
        assert_eq!(Case::AddedBothDifferent.clean(), None);
    }

    #[test]
    fn removed_by_ours_stays_removed() {
        assert_eq!(case(Some("a"), None, Some("a")), Case::RemovedByOurs);
        assert_eq!(Case::RemovedByOurs.clean(), Some(Side::Ours));
    }

    #[test]
    fn removed_by_ours_but_changed_by_theirs_takes_the_change() {
        assert_eq!(
            case(Some("a"), None, Some("t")),
            Case::RemovedByOursChangedByTheirs
        );
        assert_eq!(
            Case::RemovedByOursChangedByTheirs.clean(),
            Some(Side::Theirs)
        );
    }

    #[test]
    fn removed_by_theirs_is_removed() {
        assert_eq!(case(Some("a"), Some("a"), None), Case::RemovedByTheirs);
        assert_eq!(Case::RemovedByTheirs.clean(), Some(Side::Theirs));
    }

    #[test]
    fn removed_by_theirs_but_changed_by_ours_keeps_the_change() {
        assert_eq!(
            case(Some("a"), Some("o"), None),
            Case::RemovedByTheirsChangedByOurs
        );
        assert_eq!(Case::RemovedByTheirsChangedByOurs.clean(), Some(Side::Ours));
    }

    #[test]
    fn removed_by_both_stays_removed() {
        assert_eq!(case(Some("a"), None, None), Case::RemovedByBoth);
        assert_eq!(Case::RemovedByBoth.clean(), Some(Side::Ours));
    }

    #[test]
    fn absent_everywhere_is_absent() {
        assert_eq!(case(None, None, None), Case::Absent);
        assert_eq!(Case::Absent.clean(), Some(Side::Ours));
    }
}
