SENCE: se cambio su celular y e-mail al recuperar su clave Sence. Si no fue usted, abra {{no_fui_yo}}
