//! MOJ pagination (GOV.UK pagination inside `moj-pagination`): numbered links around the
//! current page, with the first and last always shown.

pub struct PageLink {
    pub number: i64,
    pub href: String,
    pub current: bool,
    pub ellipsis: bool,
}

#[derive(Default)]
pub struct Pagination {
    pub prev_href: String,
    pub next_href: String,
    pub items: Vec<PageLink>,
    pub results: String,
}

/// Numbered links around the current page, with the first and last always shown.
pub fn pagination(
    page: i64,
    pages: i64,
    total: i64,
    size: i64,
    href: impl Fn(i64) -> String,
) -> Pagination {
    let mut items = Vec::new();
    let mut last_shown = 0;
    for n in 1..=pages {
        let near = (n - page).abs() <= 1;
        if n == 1 || n == pages || near {
            if last_shown != 0 && n > last_shown + 1 {
                items.push(PageLink {
                    number: 0,
                    href: String::new(),
                    current: false,
                    ellipsis: true,
                });
            }
            items.push(PageLink {
                number: n,
                href: href(n),
                current: n == page,
                ellipsis: false,
            });
            last_shown = n;
        }
    }
    let from = if total == 0 { 0 } else { (page - 1) * size + 1 };
    let to = (page * size).min(total);
    Pagination {
        prev_href: if page > 1 {
            href(page - 1)
        } else {
            String::new()
        },
        next_href: if page < pages {
            href(page + 1)
        } else {
            String::new()
        },
        items: if pages > 1 { items } else { Vec::new() },
        results: format!("Showing {from} to {to} of {total} results"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pagination_shows_ends_and_neighbours() {
        let p = pagination(5, 10, 480, 50, |n| format!("/queue?page={n}"));
        let numbers: Vec<i64> = p.items.iter().map(|i| i.number).collect();
        assert_eq!(numbers, vec![1, 0, 4, 5, 6, 0, 10]);
        assert_eq!(p.prev_href, "/queue?page=4");
        assert_eq!(p.next_href, "/queue?page=6");
        assert_eq!(p.results, "Showing 201 to 250 of 480 results");
        let one = pagination(1, 1, 3, 50, |n| n.to_string());
        assert!(one.items.is_empty() && one.prev_href.is_empty() && one.next_href.is_empty());
    }
}
