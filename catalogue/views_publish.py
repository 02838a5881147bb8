"""The publisher's pages (publisher helper): thin views over catalogue.forms_publish and services."""
