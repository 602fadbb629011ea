"""The service's duties under the Digital Services Act: statements of reasons, appeals, notices of illegal content."""
