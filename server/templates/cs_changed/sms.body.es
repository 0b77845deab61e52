Sr(A) usuario(a), su clave Sence fue cambiada. Si no fue usted, abra {{no_fui_yo}} Atte. SENCE
