//! Contact details of an office (a municipality's, or a service's own):
//! shared by the municipality register and the service packages.

use serde::{Deserialize, Serialize};

use crate::yaml::{Decoder, Node};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub hours: Option<String>,
    pub text: Option<String>,
}

impl Contact {
    /// Fields of `over` replace those of `self` where set.
    pub fn merged(&self, over: &Contact) -> Contact {
        Contact {
            name: over.name.clone().or_else(|| self.name.clone()),
            phone: over.phone.clone().or_else(|| self.phone.clone()),
            email: over.email.clone().or_else(|| self.email.clone()),
            address: over.address.clone().or_else(|| self.address.clone()),
            hours: over.hours.clone().or_else(|| self.hours.clone()),
            text: over.text.clone().or_else(|| self.text.clone()),
        }
    }
}

/// A `contact:` map, every problem reported to `d`.
pub fn decode(d: &mut Decoder, node: &Node, path: &str) -> Option<Contact> {
    let mut c = d.map(node, path)?;
    let contact = Contact {
        name: c.opt_str(d, "name"),
        phone: c.opt_str(d, "phone"),
        email: c.opt_str(d, "email"),
        address: c.opt_str(d, "address"),
        hours: c.opt_str(d, "hours"),
        text: c.opt_str(d, "text"),
    };
    c.finish(d);
    Some(contact)
}
