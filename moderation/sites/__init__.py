"""Sites: the newspapers that embed the comments, their stories by CMS id, and their readers signed in by SSO."""
